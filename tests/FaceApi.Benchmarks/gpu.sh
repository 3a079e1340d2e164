#!/usr/bin/env bash
# Issue 12's GPU run: everything one short window on a lent GPU machine needs, in one script.
#
# The GPU machine has no .NET, no NuGet and no internet, and each call carries at most 64 MiB of
# files, while the .NET runtime, the build and ONNX Runtime's CUDA provider (284 MB) are far more.
# So the work is split:
#
#   tests/FaceApi.Benchmarks/gpu.sh prepare   here: Release build; packs the .NET runtime, the build,
#                                             ONNX Runtime's Linux libraries (from the NuGet cache),
#                                             the test data and hey into .device/ (git-ignored),
#                                             xz-compressed and cut into carries of at most 60 MiB,
#                                             .device/part1, .device/part2, ...
#   tests/FaceApi.Benchmarks/gpu.sh stage     there (or here): unpacks every .device/part*/ present
#                                             into $FACEAPI_GPU_DIR (default /tmp/faceapi-gpu), which
#                                             outlives the call while the machine stays warm. One
#                                             call per part, carry ".device/partN", within 30 s of
#                                             each other (the machine goes back after 30 s idle).
#   tests/FaceApi.Benchmarks/gpu.sh run [--provider cpu] [--quick] [--near-free]
#                                             there: the measurements, about 5 minutes on CUDA;
#                                             --provider cpu --quick --near-free rehearses every step here.
#
# The last part's call can stage and run at once: `bash tests/FaceApi.Benchmarks/gpu.sh stage &&
# bash tests/FaceApi.Benchmarks/gpu.sh run`. What it prints: the raw model's faces/s per batch size;
# aligned /embed req/s, p50, p99, mean batch and mean per-batch stage times (gather / dispatch /
# run / respond) at 1, 4, 16 and 64 clients with batching on and off; full photos at 16 clients
# with session pools of 1, 2 and 4; the batch-stage histograms after a hey run as a cross-check of
# the benchmark's own client. JSON results and logs go to $OUT (or $FACEAPI_GPU_DIR/out).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${FACEAPI_GPU_DIR:-/tmp/faceapi-gpu}
carry=$repo/.device
# Under the 64 MiB a call may carry, with room for the working tree itself (about 3 MiB).
part_limit=$((60 * 1024 * 1024))
onnxruntime_version=1.31.0

prepare() {
  local nuget=${NUGET_PACKAGES:-$HOME/.nuget/packages}
  local native=$nuget/microsoft.ml.onnxruntime.gpu.linux/$onnxruntime_version/runtimes/linux-x64/native
  local dotnet_root
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  local runtime
  runtime=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { v = $2 } END { print v }')
  command -v hey >/dev/null || { echo "hey is missing: apt-get install hey" >&2; exit 1; }
  [ -f "$native/libonnxruntime_providers_cuda.so" ] || { echo "no CUDA provider in $native: dotnet restore first" >&2; exit 1; }

  echo "== Release build of the benchmark (and the service it starts)"
  dotnet build -c Release "$repo/tests/FaceApi.Benchmarks" -warnaserror -v quiet -nologo
  local staging=$carry/staging cache=$carry/cache
  rm -rf "$carry"/part* "$staging" && mkdir -p "$cache" "$staging/files/repo/bench" "$staging/files/dotnet/shared" "$staging/files/shared"

  # The build without other platforms' native libraries; the CUDA provider travels on its own.
  local bin=$repo/tests/FaceApi.Benchmarks/bin/Release/net10.0
  (cd "$bin" && tar -cf - --exclude=./runtimes .) | tar -xf - -C "$staging/files/repo/bench"
  mkdir -p "$staging/files/repo/bench/runtimes/linux-x64/native"
  cp "$native/libonnxruntime.so" "$native/libonnxruntime_providers_shared.so" "$staging/files/repo/bench/runtimes/linux-x64/native/"
  # TestData looks for ../shared/testdata beside the folder holding FaceApi.sln (repo/).
  touch "$staging/files/repo/FaceApi.sln"
  cp -r "$repo/../shared/testdata" "$staging/files/shared/"
  rm -rf "$staging/files/shared/testdata/resize"
  # The runtime the build targets: host, hostfxr, Microsoft.NETCore.App and Microsoft.AspNetCore.App.
  cp "$dotnet_root/dotnet" "$staging/files/dotnet/"
  cp -r "$dotnet_root/host" "$staging/files/dotnet/"
  for framework in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
    mkdir -p "$staging/files/dotnet/shared/$framework"
    cp -r "$dotnet_root/shared/$framework/$runtime" "$staging/files/dotnet/shared/$framework/"
  done
  cp "$(command -v hey)" "$staging/files/"

  echo "== compressing (xz)"
  tar -C "$staging/files" -cf - . | xz -T0 -6 > "$staging/files.tar.xz"
  # 284 MB to about 187 MB, 25 minutes on two busy cores: kept in .device/cache for the next prepare.
  local cuda_xz=$cache/libonnxruntime_providers_cuda-$onnxruntime_version.so.xz
  if [ ! -s "$cuda_xz" ]; then
    xz -T0 -6 -c "$native/libonnxruntime_providers_cuda.so" > "$cuda_xz.tmp" && mv "$cuda_xz.tmp" "$cuda_xz"
  fi
  # One stream cut into pieces; the parts hold consecutive pieces, the last part the rest.
  cat "$staging/files.tar.xz" "$cuda_xz" > "$staging/all"
  local files_size
  files_size=$(stat -c %s "$staging/files.tar.xz")
  echo "$files_size" > "$staging/files-size"
  split -b "$part_limit" -d -a 1 "$staging/all" "$staging/piece."
  local n=0
  for piece in "$staging"/piece.*; do
    n=$((n + 1))
    mkdir -p "$carry/part$n"
    mv "$piece" "$carry/part$n/"
  done
  cp "$staging/files-size" "$carry/part1/"
  (cd "$carry" && sha256sum part*/piece.* > "$carry/part$n/SHA256SUMS")
  rm -rf "$staging"
  du -sh "$carry"/part*
  echo "== $n calls: for each N in 1..$n, run 'bash tests/FaceApi.Benchmarks/gpu.sh stage' with carry [\".device/partN\"];"
  echo "   the last one: 'bash tests/FaceApi.Benchmarks/gpu.sh stage && bash tests/FaceApi.Benchmarks/gpu.sh run'"
}

stage() {
  mkdir -p "$work/pieces"
  for part in "$carry"/part*/; do
    cp "$part"/* "$work/pieces/"
  done
  ls -la "$work/pieces"
  if [ ! -f "$work/pieces/SHA256SUMS" ]; then
    echo "staged; more parts to come"
    return
  fi

  # The last part is here: check and unpack the whole stream.
  (cd "$work/pieces" && sed 's#part[0-9]*/##' SHA256SUMS | sha256sum -c --quiet)
  local files_size
  files_size=$(cat "$work/pieces/files-size")
  cat "$work"/pieces/piece.* > "$work/all"
  mkdir -p "$work/root"
  head -c "$files_size" "$work/all" | xz -d | tar -xf - -C "$work/root"
  tail -c +"$((files_size + 1))" "$work/all" | xz -d > "$work/root/repo/bench/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so"
  rm -rf "$work/all" "$work/pieces"
  echo "unpacked into $work/root"
}

# Directories holding CUDA 13 and cuDNN 9 libraries (system CUDA or the Python wheels of PyTorch).
cuda_library_path() {
  find /usr/local /usr/lib /opt -xdev \( -name 'libcublasLt.so.13*' -o -name 'libcudnn.so.9*' -o -name 'libcudart.so.13*' \
    -o -name 'libcufft.so.12*' -o -name 'libcurand.so.10*' -o -name 'libnvrtc.so.13*' \) 2>/dev/null \
    | xargs -r -n1 dirname | sort -u | paste -sd:
}

run() {
  local provider=cuda quick=0 model_kind=()
  while [ $# -gt 0 ]; do
    case $1 in
      --provider) provider=$2; shift 2 ;;
      --quick) quick=1; shift ;;
      # The rehearsal's model: runs in microseconds on CPU, so every step finishes in seconds.
      --near-free) model_kind=(--near-free); shift ;;
      *) echo "unknown option $1" >&2; exit 2 ;;
    esac
  done

  local root=$work/root out=${OUT:-$work/out}
  mkdir -p "$out"
  export DOTNET_ROOT=$root/dotnet PATH=$root/dotnet:$PATH DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
  local bench=(dotnet "$root/repo/bench/FaceApi.Benchmarks.dll")
  # Seconds: warm-up and measured window of each HTTP cell, raw seconds per batch size.
  local warmup=3 duration=6 raw=3 photo_duration=5 hey_duration=6
  if [ "$quick" = 1 ]; then warmup=1 duration=2 raw=1 photo_duration=2 hey_duration=2; fi

  echo "== machine"
  date -u
  nproc
  nvidia-smi --query-gpu=name,driver_version,memory.total,utilization.gpu --format=csv 2>/dev/null || echo "no nvidia-smi"
  if [ "$provider" = cuda ]; then
    local libs
    libs=$(cuda_library_path)
    export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    echo "CUDA library folders: $libs"
    echo "unresolved libraries of the CUDA provider (should be none):"
    ldd "$root/repo/bench/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so" | grep 'not found' || true
  fi

  local model=$work/iresnet50.onnx
  [ ${#model_kind[@]} -eq 0 ] || model=$work/near-free.onnx
  [ -f "$model" ] || "${bench[@]}" "${model_kind[@]}" --write-model "$model"
  local common=(--model "$model" --provider "$provider" --warmup "$warmup" --duration "$duration")

  echo "== 1. raw model by batch size; aligned crops at 1, 4, 16, 64 clients, batching on, then off"
  "${bench[@]}" "${common[@]}" --batch-sizes 1,2,4,8,16,32,64 --raw-duration "$raw" \
    --workloads aligned --concurrency 1,4,16,64 --off-concurrency 1,4,16,64 --out "$out/aligned.json" 2>&1 | tee "$out/aligned.log"

  echo "== 2. full photos at 16 clients, session pools of 1, 2, 4 (detector and recogniser)"
  for pool in 1 2 4; do
    "${bench[@]}" --model "$model" --provider "$provider" --warmup "$warmup" --duration "$photo_duration" \
      --batch-sizes 1 --raw-duration 0 --workloads photos --concurrency 16 \
      --set FaceApi:Inference:PoolSize=$pool --out "$out/photos-pool$pool.json" 2>&1 | grep -E '^\| photos|http: photos' | tee -a "$out/photos.log"
  done

  echo "== 3. hey against the same service (aligned crop, batching on): cross-check of the benchmark's client"
  hey_cross_check "$model" "$provider" "$hey_duration" "$out"
}

hey_cross_check() {
  local model=$1 provider=$2 seconds=$3 out=$4 root=$work/root port=18480
  local hey_bin=$root/hey body=$work/crop-body.bin
  # One aligned crop of the test photos, as the benchmark sends them (multipart field "image").
  python3 - "$root/shared/testdata/faces/obama.jpg" "$body" <<'PY'
import sys, cv2
image = cv2.imread(sys.argv[1])
# The face of obama.jpg (faces.json reference box, about x 378-607, y 82-429), cut square-ish to 112x112.
ok, png = cv2.imencode(".png", cv2.resize(image[82:429, 378:607], (112, 112)))
boundary = b"faceapibench"
body = (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="image"; filename="crop.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + png.tobytes() + b"\r\n--" + boundary + b"--\r\n")
open(sys.argv[2], "wb").write(body)
PY
  local providers=CPU
  [ "$provider" = cuda ] && providers=CUDA
  # exec: $! is then the service itself, so the kill below stops it.
  (cd "$root/repo/bench" && exec env ASPNETCORE_ENVIRONMENT=Production FaceApi__Models__AutoDownload=false \
    FaceApi__Models__Directory="$work" FaceApi__Recognition__ModelPath="$model" FaceApi__Recognition__Name="$(basename "$model" .onnx)" \
    FaceApi__Detection__ModelPath="$root/shared/testdata/models/scrfd_2.5g_bnkps.onnx" \
    FaceApi__Inference__Providers__0=$providers FaceApi__Logging__Json=false \
    dotnet FaceApi.dll --urls "http://127.0.0.1:$port" > "$out/hey-service.log" 2>&1) &
  local service=$!
  for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break
    sleep 0.5
  done
  curl -s "http://127.0.0.1:$port/health/ready"; echo
  for clients in 4 16; do
    local before
    before=$(curl -s "http://127.0.0.1:$port/metrics" | grep -E '^faceapi_(batch_size|batch_[a-z]+_seconds|inference_seconds)_(sum|count)')
    "$hey_bin" -z "${seconds}s" -c "$clients" -m POST -T 'multipart/form-data; boundary=faceapibench' -D "$body" \
      "http://127.0.0.1:$port/embed?aligned=true" > "$out/hey-c$clients.txt"
    echo "-- hey, $clients clients, batching on: $(grep -E 'Requests/sec' "$out/hey-c$clients.txt")," \
      "p50 $(awk '/50% in/ {print $3}' "$out/hey-c$clients.txt") s, p99 $(awk '/99% in/ {print $3}' "$out/hey-c$clients.txt") s," \
      "status codes: $(grep -E '^\s+\[[0-9]+\]' "$out/hey-c$clients.txt" | tr -s ' ' | paste -sd' ')"
    curl -s "http://127.0.0.1:$port/metrics" | grep -E '^faceapi_(batch_size|batch_[a-z]+_seconds|inference_seconds)_(sum|count)' \
      | batch_stage_means "$before"
  done
  echo "-- per-batch stage histograms after both hey runs (cumulative bucket counts):"
  curl -s "http://127.0.0.1:$port/metrics" | grep -E '^faceapi_(batch_[a-z]+_seconds|inference_seconds)_bucket' | grep -v ' 0$'
  kill "$service"
  wait "$service" 2>/dev/null || true
}

# Reads the metric lines after a load run on stdin, the ones before it as $1; prints mean batch and per-stage mean ms.
batch_stage_means() {
  awk -v before="$1" '
    BEGIN { n = split(before, lines, "\n"); for (i = 1; i <= n; i++) { split(lines[i], f, " "); key = f[1]; sub(/\{.*\}/, "", key); b[key] += f[2] } }
    { key = $1; sub(/\{.*\}/, "", key); a[key] += $2 }
    END {
      d = a["faceapi_batch_size_count"] - b["faceapi_batch_size_count"]
      printf "   mean batch %.2f;", (d > 0 ? (a["faceapi_batch_size_sum"] - b["faceapi_batch_size_sum"]) / d : 0)
      split("faceapi_batch_gather_seconds faceapi_batch_dispatch_seconds faceapi_inference_seconds faceapi_batch_respond_seconds", names, " ")
      split("gather dispatch run respond", labels, " ")
      for (i = 1; i <= 4; i++) {
        c = a[names[i] "_count"] - b[names[i] "_count"]
        printf " %s %.2f ms", labels[i], (c > 0 ? 1000 * (a[names[i] "_sum"] - b[names[i] "_sum"]) / c : 0)
      }
      printf " (means per batch)\n"
    }'
}

case ${1:-} in
  prepare) prepare ;;
  stage) stage ;;
  run) shift; run "$@" ;;
  *) awk 'NR > 1 && /^set -euo/ { exit } NR > 1' "$0"; exit 2 ;;
esac
