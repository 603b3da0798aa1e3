#!/bin/bash
# Container health check: exits 0 when GET <path> on the local service answers 200.
# The JRE base image has neither curl nor wget, so this speaks HTTP/1.0 over bash's /dev/tcp.
#   healthcheck.sh [path]   (default /q/health/live; port from QUARKUS_HTTP_PORT, default 8080)
set -u
path="${1:-/q/health/live}"
port="${QUARKUS_HTTP_PORT:-8080}"
{ exec 3<>"/dev/tcp/127.0.0.1/${port}"; } 2>/dev/null || { echo "nothing listens on port ${port}"; exit 1; }
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "${path}" >&3
IFS= read -r -t 5 status <&3 || { echo "no answer from ${path}"; exit 1; }
exec 3<&-
case "${status}" in
  "HTTP/1."?" 200"*) exit 0 ;;
  *) echo "${path}: ${status%$'\r'}"; exit 1 ;;
esac
