#!/usr/bin/env bash
# Container HEALTHCHECK: GET /health/live on the local Kestrel port and succeed only on HTTP 200.
# Neither base image ships curl or wget (mcr.microsoft.com/dotnet/aspnet:10.0 installs only the
# runtime dependencies; nvidia/cuda purges the curl it used to add its apt key), so this uses
# bash's /dev/tcp instead of adding a package and its CVEs to every image.
set -euo pipefail

port="${ASPNETCORE_HTTP_PORTS:-8080}"
port="${port%%[;,]*}"

exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET /health/live HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 5 status_line <&3
[[ "${status_line}" == "HTTP/1."[01]" 200 "* ]]
