#!/usr/bin/env bash
# The deployment files are valid for the real programs: HAProxy's configuration (haproxy -c), the
# Prometheus configuration and alert rules (promtool check config), the alert rules' unit tests
# (promtool test rules), and the systemd units (systemd-analyze verify, where systemd is installed).
# usage: test_deploy.sh SOURCE_DIR
set -euo pipefail
src=$1
deploy=$src/deploy
FACELIVE_BIND=127.0.0.1:8080 FACELIVE_STATS_BIND=127.0.0.1:8404 FACELIVE_MAX_BODY=16777216 \
  haproxy -c -f "$deploy/haproxy/haproxy.cfg"
promtool check config "$deploy/prometheus/prometheus.yml"
(cd "$deploy/prometheus" && promtool test rules tests/facelive.rules.test.yml)
if command -v systemd-analyze >/dev/null; then
  # the binary is not installed here: that one complaint is expected, any other fails the test
  out=$(systemd-analyze verify "$deploy/systemd/facelive.service" "$deploy/systemd/facelive-adapter.service" 2>&1 |
        grep -v "is not executable" || true)
  if [ -n "$out" ]; then echo "$out"; exit 1; fi
  echo "systemd units: valid"
else
  echo "systemd-analyze not installed: the units were not checked"
fi
