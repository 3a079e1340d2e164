#!/usr/bin/env bash
# Static checks of everything under deploy/ plus Dockerfile and docker-compose.yml, without a
# Docker engine. Installs nothing: run deploy/install-lint-tools.sh first. Every check runs even
# after one fails; the exit status is non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."

tools="$(realpath "${FACEAPI_LINT_TOOLS:-deploy/.tools}")"
work="$(mktemp -d)"
stub_pid=""
cleanup() {
    if [[ -n "${stub_pid}" ]]; then kill "${stub_pid}" 2>/dev/null || true; fi
    rm -rf "${work}"
}
trap cleanup EXIT

passed=0
failed=0
failures=()

# Runs one check in a subshell with errexit on (a function called from `if` would ignore it).
check() {
    local name="$1"
    shift
    echo
    echo "== ${name}"
    set +e
    (
        set -e
        "$@"
    )
    local status=$?
    set -e
    if [[ ${status} -eq 0 ]]; then
        passed=$((passed + 1))
        echo "-- pass: ${name}"
    else
        failed=$((failed + 1))
        failures+=("${name}")
        echo "-- FAIL: ${name} (exit ${status})"
    fi
}

require() {
    local missing=0
    for tool in "$@"; do
        if ! command -v "${tool}" >/dev/null; then
            echo "missing tool: ${tool} (run deploy/install-lint-tools.sh)"
            missing=1
        fi
    done
    return "${missing}"
}

compose_config() {
    require docker-compose
    # Debian 12's docker-compose 1.29, the Compose implementation installable here; the file
    # keeps to the subset that it and Compose v2 both accept (see the top of docker-compose.yml).
    docker-compose -f docker-compose.yml config -q
    echo "docker-compose.yml is valid for $(docker-compose version --short)"
}

compose_profiles() {
    require docker-compose
    local python
    python="$(sed -n '1s/^#! *//p' "$(command -v docker-compose)")"
    "${python}" deploy/check-compose-profiles.py
}

nginx_config() {
    require nginx
    # The same rendering the load-balancer test runs nginx on: `faceapi` exists only in Docker's
    # DNS and nginx -t resolves upstream names, so the upstream becomes 127.0.0.1:8080, inside a
    # minimal main config whose paths all point into a temporary prefix.
    local conf="${work}/nginx"
    deploy/nginx/render-loopback.sh "${conf}" 8080 127.0.0.1:8080
    nginx -t -q -e stderr -p "${conf}" -c "${conf}/nginx.conf"
    echo "deploy/nginx/faceapi.conf passes nginx -t ($(nginx -v 2>&1))"
}

prometheus_config() {
    require promtool
    promtool check config deploy/prometheus/prometheus.yml
}

prometheus_rules() {
    require promtool
    promtool check rules deploy/prometheus/alerts.yml
    # Unit tests: each alert fires on the synthetic series meant to trigger it, and only then.
    (cd deploy/prometheus && promtool test rules alerts.test.yml)
}

dockerfile_lint() {
    local linter="${tools}/node_modules/.bin/dockerfile-utils"
    [[ -x "${linter}" ]] || { echo "missing ${linter} (run deploy/install-lint-tools.sh)"; return 1; }
    # dockerfile-utils exits 0 on warnings; treat any finding as a failure, like the C# build.
    local findings
    findings="$("${linter}" lint Dockerfile)"
    if [[ -n "${findings}" ]]; then
        echo "${findings}"
        return 1
    fi
    echo "Dockerfile: no findings"
}

shell_scripts() {
    for script in deploy/lint.sh deploy/install-lint-tools.sh deploy/docker/healthcheck.sh deploy/nginx/render-loopback.sh; do
        bash -n "${script}"
        echo "${script}: syntax ok"
    done
}

container_healthcheck() {
    require python3
    # Run the image's HEALTHCHECK script against a loopback stub of /health/live: 200 must pass,
    # 503 must fail. The stub exits by itself after 30 s whatever happens.
    local port=18089
    for code in 200 503; do
        timeout 30 python3 -c '
import http.server, sys
code = int(sys.argv[2])
class Live(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(code if self.path == "/health/live" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Live).serve_forever()
' "${port}" "${code}" &
        stub_pid=$!
        for _ in $(seq 50); do
            (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null && break
            sleep 0.1
        done
        local status=0
        ASPNETCORE_HTTP_PORTS="${port}" timeout 10 deploy/docker/healthcheck.sh || status=$?
        kill "${stub_pid}"
        wait "${stub_pid}" 2>/dev/null || true
        stub_pid=""
        if [[ ${code} -eq 200 && ${status} -ne 0 ]]; then echo "healthcheck failed against 200"; return 1; fi
        if [[ ${code} -ne 200 && ${status} -eq 0 ]]; then echo "healthcheck passed against ${code}"; return 1; fi
        echo "healthcheck against HTTP ${code}: exit ${status}, as expected"
    done
}

grafana_dashboard() {
    require python3 promtool
    python3 -m json.tool deploy/grafana/dashboards/faceapi.json >/dev/null
    echo "faceapi.json is valid JSON"
    # Every panel query must be valid PromQL and use the provisioned data source: wrap the
    # queries as recording rules (Grafana's $__rate_interval replaced by 1m) for promtool.
    python3 - deploy/grafana/dashboards/faceapi.json deploy/grafana/provisioning/datasources/prometheus.yml \
        "${work}/dashboard-rules.yml" <<'PY'
import json, re, sys
dashboard = json.load(open(sys.argv[1]))
uid = re.search(r"^\s*uid:\s*(\S+)", open(sys.argv[2]).read(), re.M).group(1)
rules, problems = [], []
for panel in dashboard["panels"]:
    if panel["datasource"]["uid"] != uid:
        problems.append(f"panel {panel['title']!r} uses data source {panel['datasource']['uid']!r}, not {uid!r}")
    for target in panel["targets"]:
        expr = target["expr"].replace("$__rate_interval", "1m")
        rules.append({"record": f"dashboard:panel{panel['id']}:{target['refId']}", "expr": expr})
json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[3], "w"))
print(f"{len(dashboard['panels'])} panels, {len(rules)} queries")
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
PY
    promtool check rules "${work}/dashboard-rules.yml"
}

kubernetes_manifests() {
    require kubectl node
    local rendered=()
    for overlay in deploy/k8s/overlays/*/; do
        local name
        name="$(basename "${overlay}")"
        kubectl kustomize "${overlay}" >"${work}/k8s-${name}.yaml"
        echo "rendered ${overlay}"
        rendered+=("${work}/k8s-${name}.yaml")
    done
    node deploy/k8s/validate.mjs --tools "${tools}" "${rendered[@]}"
}

check "docker-compose config" compose_config
check "compose profiles (cpu default, gpu on --profile gpu)" compose_profiles
check "nginx -t (load balancer)" nginx_config
check "promtool check config" prometheus_config
check "promtool check/test rules" prometheus_rules
check "Dockerfile lint (dockerfile-utils)" dockerfile_lint
check "shell script syntax" shell_scripts
check "container HEALTHCHECK script" container_healthcheck
check "Grafana dashboard (JSON, PromQL, data source)" grafana_dashboard
check "Kubernetes manifests (kustomize + API schemas)" kubernetes_manifests

echo
if [[ ${failed} -gt 0 ]]; then
    printf 'failed: %s\n' "${failures[@]}"
fi
echo "lint: ${passed} passed, ${failed} failed"
[[ ${failed} -eq 0 ]]
