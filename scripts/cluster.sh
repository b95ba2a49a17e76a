#!/usr/bin/env bash
# A facelive cluster on loopback, for the tests, the benchmark and the README's demonstration:
#   scripts/cluster.sh up N     N backends (facelive serve, each with its own port, folder and log)
#                               sharing one Redis token store, the provider adapter as HAProxy's
#                               backup, HAProxy in front, Prometheus scraping all of them
#   scripts/cluster.sh down     stops everything it started
#   scripts/cluster.sh status   what runs, and HAProxy's view of the backends
#   scripts/cluster.sh kill I [SIGNAL]   sends SIGNAL (default TERM) to backend I's processes
#   scripts/cluster.sh start I           starts backend I again (after kill) and waits until it is ready
# The provider is $FACELIVE_PROVIDER_URL, or a stand-in (tests/fake_provider.py, answering "real")
# when unset. Everything lives in $FACELIVE_CLUSTER_DIR (default build/cluster): configurations,
# logs, pid files, and cluster.env (the ports and the demo tenant's API key, for scripts).
# Ports from $FACELIVE_CLUSTER_PORT (default 18080): HAProxy +0, its stats and metrics +1, Redis +2,
# Prometheus +3, the stand-in provider +4, the adapter +5, backend i +10+i. Workers per backend:
# $FACELIVE_CLUSTER_WORKERS (default 1). Only loopback addresses are used.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${FACELIVE_CLUSTER_DIR:-$root/build/cluster}
base=${FACELIVE_CLUSTER_PORT:-18080}
workers=${FACELIVE_CLUSTER_WORKERS:-1}
fl=$(realpath -m "${FACELIVE_BIN:-$root/build/facelive}")
usage() { echo "usage: scripts/cluster.sh up N | down | status | kill I [SIGNAL] | start I" >&2; exit 2; }

# start NAME CMD...: runs CMD detached, its output in NAME.log, its pid in NAME.pid
start() {
  local name=$1; shift
  setsid -f sh -c 'echo $$ > "$0"; exec "$@"' "$dir/$name.pid" "$@" > "$dir/$name.log" 2>&1 < /dev/null
  for _ in $(seq 50); do [ -s "$dir/$name.pid" ] && return 0; sleep 0.02; done
  echo "cluster: $name did not start" >&2; return 1
}

wait_for() { # wait_for WHAT SECONDS CMD...
  local what=$1 secs=$2; shift 2
  for _ in $(seq $((secs * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "cluster: $what not ready after $secs s (logs in $dir)" >&2; return 1
}

serve_config() { # serve_config FILE PORT MODE
  cat > "$1" <<JSON
{"mode": "$3", "listen": "127.0.0.1:$2", "workers": $workers, "models": "$root/models",
 "token_secret_file": "$dir/token_secret.hex", "log": "access.log",
 "store": {"kind": "redis", "host": "127.0.0.1", "port": $((base + 2)), "timeout_ms": 300},
 "challenges": {"actions": ["turn_left", "turn_right"], "length": 2},
 "provider": {"url": "$provider", "verdict_field": "result.decision", "timeout_ms": 3000},
 "tenants": [$entry]}
JSON
}

haproxy_config() { # the deployment file with this cluster's server lines
  local servers="" i
  for i in $(seq "$n"); do servers+="    server facelive$i 127.0.0.1:$((base + 10 + i))\n"; done
  servers+="    server adapter 127.0.0.1:$((base + 5)) backup\n"
  awk -v s="$servers" '/# servers: begin/ {print; printf "%s", s; skip=1; next} /# servers: end/ {skip=0} !skip' \
    "$root/deploy/haproxy/haproxy.cfg" > "$dir/haproxy.cfg"
}

prometheus_config() {
  local targets="" i
  for i in $(seq "$n"); do targets+="\"127.0.0.1:$((base + 10 + i))\", "; done
  cat > "$dir/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ["$root/deploy/prometheus/rules/facelive.rules.yml"]
scrape_configs:
  - {job_name: facelive, static_configs: [{targets: [${targets%, }]}]}
  - {job_name: facelive-adapter, static_configs: [{targets: ["127.0.0.1:$((base + 5))"]}]}
  - {job_name: haproxy, static_configs: [{targets: ["127.0.0.1:$((base + 1))"]}]}
YML
}

up() {
  n=$1
  case "$n" in ''|*[!0-9]*|0) usage ;; esac
  [ -x "$fl" ] || { echo "cluster: $fl is missing: run scripts/build.sh first" >&2; exit 1; }
  [ -e "$dir/haproxy.pid" ] && { echo "cluster: already up (scripts/cluster.sh down first)" >&2; exit 1; }
  mkdir -p "$dir" && rm -f "$dir"/*.pid
  "$fl" token --secret > "$dir/token_secret.hex" && chmod 600 "$dir/token_secret.hex"
  # the demo tenant may send as much as a benchmark does
  entry=$("$fl" token --tenant demo | tee "$dir/token.txt" | sed -n 's/^configuration entry: //p' |
          sed 's/"rate_per_minute": [0-9]*/"rate_per_minute": 0/')
  key=$(sed -n 's/^api key.*: //p' "$dir/token.txt")
  start redis redis-server --port $((base + 2)) --bind 127.0.0.1 --save "" --appendonly no --dir "$dir"
  provider=${FACELIVE_PROVIDER_URL:-}
  if [ -z "$provider" ]; then
    start provider /usr/bin/python3 "$root/tests/fake_provider.py" $((base + 4)) real
    provider="http://127.0.0.1:$((base + 4))/check"
  fi
  wait_for redis 10 redis-cli -p $((base + 2)) ping
  # tokens issued in a Redis's first seconds are refused (docs/server.md, the store): the cluster
  # is declared up only once Redis is older than that
  redis_started=$SECONDS
  for i in $(seq "$n") adapter; do
    local port=$((base + 10 + ${i/adapter/-5})) mode=service
    [ "$i" = adapter ] && mode=adapter
    local name=backend$i
    [ "$i" = adapter ] && name=adapter
    mkdir -p "$dir/$name"
    serve_config "$dir/$name/serve.json" "$port" "$mode"
    start "$name" "$fl" serve --config "$dir/$name/serve.json"
  done
  for i in $(seq "$n"); do wait_for "backend$i" 120 curl -sf "http://127.0.0.1:$((base + 10 + i))/readyz"; done
  wait_for adapter 60 curl -sf "http://127.0.0.1:$((base + 5))/readyz"
  haproxy_config
  FACELIVE_BIND=127.0.0.1:$base FACELIVE_STATS_BIND=127.0.0.1:$((base + 1)) FACELIVE_MAX_BODY=16777216 \
    start haproxy haproxy -db -f "$dir/haproxy.cfg"
  wait_for haproxy 20 curl -sf "http://127.0.0.1:$base/readyz"
  prometheus_config
  start prometheus prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/prometheus-data" \
    --web.listen-address=127.0.0.1:$((base + 3)) --web.enable-lifecycle
  wait_for prometheus 30 curl -sf "http://127.0.0.1:$((base + 3))/-/ready"
  while [ $((SECONDS - redis_started)) -lt 4 ]; do sleep 0.2; done
  cat > "$dir/cluster.env" <<ENV
FACELIVE_CLUSTER_N=$n
FACELIVE_URL=http://127.0.0.1:$base
FACELIVE_API_KEY=$key
HAPROXY_STATS=http://127.0.0.1:$((base + 1))/stats
PROMETHEUS_URL=http://127.0.0.1:$((base + 3))
REDIS_PORT=$((base + 2))
ADAPTER_URL=http://127.0.0.1:$((base + 5))
BACKEND_BASE_PORT=$((base + 10))
ENV
  echo "cluster: $n backends up behind HAProxy at http://127.0.0.1:$base (details in $dir/cluster.env)"
  echo "  API key of the demo tenant: $key"
  echo "  HAProxy stats: http://127.0.0.1:$((base + 1))/stats   Prometheus: http://127.0.0.1:$((base + 3))"
}

down() {
  local f pid
  for f in "$dir"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for f in "$dir"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  echo "cluster: down"
}

kill_backend() { # kill I SIGNAL: the backend's whole process group (the master and its workers)
  local pid
  pid=$(cat "$dir/backend$1.pid")
  kill -"${2:-TERM}" -- -"$pid"
}

start_backend() {
  local i=$1 pid
  pid=$(cat "$dir/backend$i.pid" 2>/dev/null || true)
  for _ in $(seq 300); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$dir/backend$i.pid"
  (cd "$dir/backend$i" && start "backend$i" "$fl" serve --config "$dir/backend$i/serve.json")
  wait_for "backend$i" 120 curl -sf "http://127.0.0.1:$((base + 10 + i))/readyz"
}

status() {
  local f
  for f in "$dir"/*.pid; do
    [ -e "$f" ] || { echo "cluster: nothing runs"; return 0; }
    if kill -0 "$(cat "$f")" 2>/dev/null; then echo "$(basename "$f" .pid): running"; else echo "$(basename "$f" .pid): stopped"; fi
  done
  curl -s "http://127.0.0.1:$((base + 1))/stats;csv" | awk -F, '$1 == "facelive" {print "  haproxy: " $2 " " $18}'
}

case "${1:-}" in
  up) up "${2:-}" ;;
  down) down ;;
  status) status ;;
  kill) kill_backend "${2:?}" "${3:-TERM}" ;;
  start) start_backend "${2:?}" ;;
  *) usage ;;
esac
