#!/usr/bin/env bash
# The whole suite, N times in a row (default 10), with every core kept busy by
# another process: a flaky test is a failing test. Reports each run, the
# failures, and any process of ours left behind.
#
#   tests/under-load.sh [N]
set -u
runs=${1:-10}
cd "$(dirname "$0")/.."
cargo test --locked --no-run -q || exit 1
busy=()
for _ in $(seq "$(nproc)"); do yes > /dev/null & busy+=($!); done
trap 'kill "${busy[@]}" 2>/dev/null' EXIT
failures=0
for i in $(seq "$runs"); do
    start=$(date +%s)
    if cargo test --locked -q > "target/under-load-$i.log" 2>&1; then
        echo "run $i: passed in $(( $(date +%s) - start )) s"
    else
        failures=$((failures + 1))
        echo "run $i: FAILED in $(( $(date +%s) - start )) s (target/under-load-$i.log)"
    fi
done
left=$(ps -eo stat,cmd | grep -c '[c]oncur-tutor')
echo "$runs runs under load ($(nproc) busy cores): $failures failed; concur-tutor processes left: $left"
[ "$failures" -eq 0 ] && [ "$left" -eq 0 ]
