#!/usr/bin/env bash
# Soak run (not a CI test): the service with the IResNet-50 recogniser (w600k_r50's architecture,
# random weights, built by tests/FaceApi.Testing) on a loopback port, aligned face crops posted to
# /embed?aligned=true at a fraction of the measured capacity. Prints latency percentiles and RSS per
# minute, then totals; exits non-zero on any 5xx or on RSS growing more than 10% after warm-up.
#
#   deploy/soak/soak.sh [--minutes 10] [--load 0.7] [--port 5391] [--window-seconds 60] [--warmup-seconds 60]
#
# Needs ../shared/testdata (detector and photos) and the .NET SDK. The model (about 170 MB) is built
# once into $TMPDIR/faceapi-soak/.
set -euo pipefail
cd "$(dirname "$0")/../.."

out="${TMPDIR:-/tmp}/faceapi-soak"
mkdir -p "$out"
dotnet publish src/FaceApi -c Release -o "$out/service" --nologo -v quiet
dotnet build tests/FaceApi.Soak -c Release --nologo -v quiet
dotnet tests/FaceApi.Soak/bin/Release/net10.0/FaceApi.Soak.dll --service "$out/service/FaceApi.dll" "$@"
