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
# Every process the suite starts inherits this mark (the tests' own marks are
# per run; this one is per script), so only ours are counted at the end, not
# the concur-tutors of anyone else on the machine.
mark="under-load-$$-$(date +%s%N)"
failures=0
for i in $(seq "$runs"); do
    start=$(date +%s)
    if CONCUR_UNDER_LOAD="$mark" cargo test --locked -q > "target/under-load-$i.log" 2>&1; then
        echo "run $i: passed in $(( $(date +%s) - start )) s"
    else
        failures=$((failures + 1))
        echo "run $i: FAILED in $(( $(date +%s) - start )) s (target/under-load-$i.log)"
    fi
done
left=$(grep -lsxz "CONCUR_UNDER_LOAD=$mark" /proc/[0-9]*/environ | wc -l)
if [ "$left" -gt 0 ]; then
    for environ in $(grep -lsxz "CONCUR_UNDER_LOAD=$mark" /proc/[0-9]*/environ); do
        cat "$(dirname "$environ")/stat"; echo
    done
fi
echo "$runs runs under load ($(nproc) busy cores): $failures failed; processes of the suite left: $left"
[ "$failures" -eq 0 ] && [ "$left" -eq 0 ]
