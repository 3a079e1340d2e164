# syntax=docker/dockerfile:1
#
# FaceApi container images.
#   docker build -t faceapi:gpu .              # default target (last stage): CUDA 13 + cuDNN 9
#   docker build -t faceapi:cpu --target cpu .  # plain ASP.NET Core runtime, CPU inference only
# Both run the same published app: Microsoft.ML.OnnxRuntime.Gpu falls back to the CPU provider when
# CUDA is absent (Directory.Packages.props), so one build output serves both targets.

# Pinned in one place so the gpu stage copies exactly the runtime the cpu stage runs on.
ARG DOTNET_VERSION=10.0
# ONNX Runtime GPU 1.31 loads libcublasLt.so.13 and libcudnn.so.9: CUDA 13 with cuDNN 9.
# 13.0.1 is the image whose cuDNN is 9.13 (libcudnn9-cuda-13), on Ubuntu 24.04 like aspnet:10.0.
ARG CUDA_IMAGE=nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
# Restore layer: only what decides the package graph of the web host, so source edits reuse it.
# The solution file is left out on purpose: it changes whenever a test project is added, and
# `dotnet restore src/FaceApi` does not read it.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/FaceApi/FaceApi.csproj src/FaceApi/
COPY src/FaceApi.Core/FaceApi.Core.csproj src/FaceApi.Core/
# linux-x64 only: the ONNX Runtime GPU package ships its CUDA provider for linux-x64 and win-x64,
# and naming the RID keeps the Windows native libraries out of the image.
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore src/FaceApi --runtime linux-x64
# .editorconfig travels with the sources: EnforceCodeStyleInBuild reads it and warnings are errors.
COPY .editorconfig ./
COPY src/ src/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish src/FaceApi --no-restore --configuration Release --runtime linux-x64 \
        --self-contained false -p:UseAppHost=false --output /app

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS cpu
WORKDIR /app
# /models belongs to the non-root user so a fresh named volume (which Docker seeds from this
# directory, ownership included) is writable by the model download.
RUN mkdir /models && chown "$APP_UID:$APP_UID" /models
COPY --chmod=0755 deploy/docker/healthcheck.sh /usr/local/bin/faceapi-healthcheck
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080 \
    FaceApi__Models__Directory=/models
VOLUME /models
EXPOSE 8080
# APP_UID (1654) is the non-root `app` user that the .NET images create.
USER $APP_UID
# start-period covers model loading; liveness only needs the process to answer.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["faceapi-healthcheck"]
ENTRYPOINT ["dotnet", "FaceApi.dll"]

# The ASP.NET Core runtime is copied from the official image rather than installed from Ubuntu:
# noble's archive does not carry .NET 10 (only a PPA does), and copying guarantees the GPU image
# runs the very runtime build that the cpu image was tested on.
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS aspnet-runtime

FROM ${CUDA_IMAGE} AS gpu
# The .NET runtime's own dependencies (the list the runtime-deps:10.0-noble image installs), less
# libicu: the app sets InvariantGlobalization. ca-certificates and libssl serve the HTTPS model
# download.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates libssl3t64 libstdc++6 libgcc-s1 tzdata zlib1g \
    && rm -rf /var/lib/apt/lists/*
COPY --from=aspnet-runtime /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
# Same non-root user id as the .NET images, so volumes and securityContext work with either target.
ENV APP_UID=1654
RUN groupadd --gid "$APP_UID" app \
    && useradd --uid "$APP_UID" --gid app --create-home --shell /usr/sbin/nologin app \
    && mkdir /models && chown "$APP_UID:$APP_UID" /models
WORKDIR /app
COPY --chmod=0755 deploy/docker/healthcheck.sh /usr/local/bin/faceapi-healthcheck
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_RUNNING_IN_CONTAINER=true \
    FaceApi__Models__Directory=/models
VOLUME /models
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["faceapi-healthcheck"]
ENTRYPOINT ["dotnet", "FaceApi.dll"]
