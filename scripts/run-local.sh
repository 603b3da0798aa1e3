#!/usr/bin/env bash
# Runs shadowcast on this machine against a local AWS emulator (moto).
#
# Starts moto on MOTO_PORT unless one already answers there (then it is reused, with its state),
# builds the service if the sources changed since the last build, starts it with the "local"
# profile (it provisions its bucket, queues, topic, tables and demo things at start) and waits
# until /q/health/ready is UP. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_PORT="${MOTO_PORT:-5000}"
HTTP_PORT="${HTTP_PORT:-8080}"
ENDPOINT="http://127.0.0.1:${MOTO_PORT}"
started=()

stop_all() {
  for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

answers() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

python_with_moto() {
  if python3 -c "import moto.server" 2>/dev/null; then echo python3; return; fi
  local venv=target/moto-venv
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import moto.server" 2>/dev/null; then
    echo "Installing moto[server] into $venv ..." >&2
    python3 -m venv "$venv" && "$venv/bin/python" -m pip install --quiet "moto[server]==5.2.1" || {
      echo "Cannot install moto. Install Python 3 and run: python3 -m pip install 'moto[server]==5.2.1'" >&2
      exit 1
    }
  fi
  echo "$venv/bin/python"
}

begin=$(date +%s)
if answers "$ENDPOINT/moto-api/"; then
  echo "Using the emulator already running at $ENDPOINT"
else
  mkdir -p target
  # moto with atomic DynamoDB conditional writes (see the script)
  "$(python_with_moto)" scripts/moto_server.py -H 127.0.0.1 -p "$MOTO_PORT" > target/moto-local.log 2>&1 &
  started+=("$!")
  until answers "$ENDPOINT/moto-api/"; do sleep 0.2; done
  echo "moto started at $ENDPOINT (log: target/moto-local.log)"
fi

jar=target/quarkus-app/quarkus-run.jar
if [ ! -f "$jar" ] || [ -n "$(find src pom.xml -newer "$jar" -print -quit)" ]; then
  echo "Building the service ..."
  ./mvnw -B -q package -DskipTests
  begin=$(date +%s)
fi

# http.maxConnections: keep-alive connections of the JDK HTTP client, at least the rollout concurrency
java -Dhttp.maxConnections=64 ${JAVA_OPTS:-} -Dquarkus.profile=local -Dquarkus.http.port="$HTTP_PORT" \
  -Dshadowcast.local.endpoint="$ENDPOINT" -jar "$jar" &
started+=("$!")

until answers "http://127.0.0.1:${HTTP_PORT}/q/health/ready"; do
  kill -0 "${started[-1]}" 2>/dev/null || { echo "shadowcast exited before it was ready" >&2; exit 1; }
  sleep 0.2
done
echo "shadowcast is READY on http://127.0.0.1:${HTTP_PORT} ($(( $(date +%s) - begin )) s). Ctrl-C stops it."
wait "${started[-1]}"
