#!/usr/bin/env bash
# Runs every test of Monitor.sln. Installs the Debian packages the integration tests start
# (influxdb, prometheus, prometheus-alertmanager, kcat, docker-compose) when they are missing, then prints one
# summary line: "tests: N passed, M failed". Exit code is non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

missing=()
for pair in influxd:influxdb prometheus:prometheus promtool:prometheus alertmanager:prometheus-alertmanager amtool:prometheus-alertmanager kcat:kcat docker-compose:docker-compose; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  echo "test.sh: installing Debian packages: $packages"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  # Debian's packages try to start their services on install; the tests start their own instances.
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  if ! $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/tmp/monitor-apt.log 2>&1; then
    tail -20 /tmp/monitor-apt.log
    echo "test.sh: could not install $packages"
    echo "tests: 0 passed, 1 failed"
    exit 1
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Monitor.sln --nologo -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One summary line per test assembly: "Passed!  - Failed:     0, Passed:   113, Skipped: ..."
passed=0
failed=0
while read -r f p; do
  passed=$((passed + p))
  failed=$((failed + f))
done < <(sed -n 's/.*\(Passed\|Failed\)! *- *Failed: *\([0-9]*\), *Passed: *\([0-9]*\),.*/\2 \3/p' "$log")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build or a test host failed before any test could report.
  failed=1
fi
echo "tests: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
