#!/usr/bin/env bash
# Installs what deploy/lint.sh runs: Debian's docker-compose (1.29), nginx and prometheus (for
# promtool), and the npm linters into deploy/.tools (ignored by git). Run as root, once per
# machine; npm versions are pinned so every machine lints with the same rules.
set -euo pipefail
cd "$(dirname "$0")/.."

tools="${FACEAPI_LINT_TOOLS:-deploy/.tools}"

echo "== apt: docker-compose nginx prometheus"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker-compose nginx prometheus >/dev/null

echo "== npm into ${tools}: dockerfile-utils kubernetes-models @kubernetes-models/keda yaml"
# kubernetes-models 4.5 and keda models 0.4 are the newest that declare support for Node 20,
# the Node.js this machine has (5.x / 2.x require Node 22).
mkdir -p "${tools}"
npm install --prefix "${tools}" --no-audit --no-fund --loglevel=error \
    dockerfile-utils@0.16.3 kubernetes-models@4.5.1 @kubernetes-models/keda@0.4.2 yaml@2.9.1

# kubectl (for `kubectl kustomize`) is not installed here: Debian does not package it, and this
# project's machine image ships it (google-cloud-cli's kubectl, with kustomize built in).
if ! command -v kubectl >/dev/null; then
    echo "warning: kubectl not found; deploy/lint.sh needs it to render the kustomize overlays" >&2
fi
echo "lint tools installed"
