#!/usr/bin/env bash
# The Prometheus alert rules and scrape config under deploy/prometheus, checked and unit-tested with promtool
# (Debian's `prometheus` package; .ci/run installs it when missing). Part of `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v promtool >/dev/null; then
  echo "promtool is not installed (Debian: apt-get install prometheus): the alert rules cannot be checked" >&2
  exit 1
fi
promtool check rules deploy/prometheus/alerts.yml
promtool check config deploy/prometheus/prometheus.yml
promtool test rules deploy/prometheus/alerts.test.yml
