#!/usr/bin/env bash
# Renders deploy/nginx/faceapi.conf for an nginx outside Docker, so the shipped settings are what
# gets checked: deploy/lint.sh runs `nginx -t` on the result, and the load-balancer test
# (tests/FaceApi.Tests/Deployment) runs nginx on it in front of two local replicas.
#
#   render-loopback.sh OUT_DIR LISTEN_PORT UPSTREAM [UPSTREAM...]     (UPSTREAM: host:port)
#
# Writes OUT_DIR/faceapi.conf, the shipped file with two lines changed: `server faceapi:8080 ...`
# becomes one `server UPSTREAM ...` per argument, keeping the shipped parameters (max_fails,
# fail_timeout), because `faceapi` exists only in Docker's DNS; and `listen 8080` becomes
# `listen 127.0.0.1:LISTEN_PORT`. Writes OUT_DIR/nginx.conf, a minimal main config that includes
# it inside `http` (as the nginx image's does) with every path in OUT_DIR, so no root-owned
# default path is touched, and an access log, OUT_DIR/access.log, that names the replicas each
# request went to and what they answered. Run nginx with `-p OUT_DIR -c OUT_DIR/nginx.conf`.
set -euo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 OUT_DIR LISTEN_PORT UPSTREAM [UPSTREAM...]" >&2
    exit 2
fi
out="$(realpath "$1")"
listen_port="$2"
shift 2
source_conf="$(dirname "$0")/faceapi.conf"

shipped_server="$(grep -E '^[[:space:]]*server faceapi:8080 ' "${source_conf}")" || {
    echo "the upstream line 'server faceapi:8080 ...' was not found in ${source_conf}; update $0" >&2
    exit 1
}
grep -qE '^[[:space:]]*listen 8080;' "${source_conf}" || {
    echo "the line 'listen 8080;' was not found in ${source_conf}; update $0" >&2
    exit 1
}
server_parameters="${shipped_server#*faceapi:8080 }"

mkdir -p "${out}"
# When nginx starts as root (CI containers), its workers run as `nobody` and must reach the
# temporary paths below; a mktemp folder is 0700.
chmod 755 "${out}"
awk -v parameters="${server_parameters}" -v upstreams="$*" -v port="${listen_port}" '
    /^[[:space:]]*server faceapi:8080 / {
        indent = $0
        sub(/server.*/, "", indent)
        n = split(upstreams, servers, " ")
        for (i = 1; i <= n; i++) print indent "server " servers[i] " " parameters
        next
    }
    /^[[:space:]]*listen 8080;/ { sub(/listen 8080;/, "listen 127.0.0.1:" port ";") }
    { print }
' "${source_conf}" >"${out}/faceapi.conf"

cat >"${out}/nginx.conf" <<NGINX
pid ${out}/nginx.pid;
error_log stderr;
events {}
http {
    log_format upstreams '\$request_method \$uri \$status "\$upstream_addr" "\$upstream_status"';
    access_log ${out}/access.log upstreams;
    client_body_temp_path ${out}/client_body;
    proxy_temp_path ${out}/proxy;
    fastcgi_temp_path ${out}/fastcgi;
    uwsgi_temp_path ${out}/uwsgi;
    scgi_temp_path ${out}/scgi;
    include ${out}/faceapi.conf;
}
NGINX
