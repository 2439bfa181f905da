#!/usr/bin/env bash
# make demo: build, start the local services, and run `vigia demo` (migrate, pipeline, replay
# of the real 2023 surges, live view, checks). On Ctrl-C the demo stops its pipeline cleanly,
# and the services are stopped too when this script started them. On a normal end they keep
# running so the results can be queried (make services-down stops them).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${DEMO_SECONDS:-120}"
started=0
if ! scripts/services.sh status >/dev/null 2>&1; then
  started=1
fi
scripts/services.sh up

cleanup() {
  trap - INT TERM
  echo
  echo "demo: interrupted; stopping"
  if [[ -n "${demo_pid:-}" ]]; then
    kill -INT "$demo_pid" 2>/dev/null || true
    wait "$demo_pid" 2>/dev/null || true
  fi
  if [[ "$started" == 1 ]]; then
    echo "demo: stopping the services it started"
    scripts/services.sh down
  fi
  exit 130
}
trap cleanup INT TERM

args=(demo --seconds "$seconds")
if [[ -n "${DEMO_QUIET:-}" || ! -t 1 ]]; then
  args+=(--quiet)
fi
bin/vigia "${args[@]}" &
demo_pid=$!
wait "$demo_pid"
