# Phase timing for Scripts/test, Scripts/run-main and .ci/run (sourced, not run).
#
#   phase NAME COMMAND...         runs COMMAND under a "== NAME: COMMAND" header and records its duration
#   phase_summary TITLE STATUS    prints every phase's duration and the total (ok, or FAILED with STATUS)
#   tests_line LOG STATUS         prints "tests: N passed, 0 failed" from a `swift test` log, when STATUS is 0

PHASES=()
PHASES_START=$(date +%s.%N)

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

phase() {
    local name=$1; shift
    echo
    echo "== $name: $*"
    local t0; t0=$(date +%s.%N)
    if "$@"; then
        PHASES+=("$name: $(elapsed "$t0") s")
    else
        local rc=$?
        PHASES+=("$name: $(elapsed "$t0") s (FAILED, exit $rc)")
        return "$rc"
    fi
}

phase_summary() {
    local title=$1 status=$2
    echo
    echo "== $title"
    for line in "${PHASES[@]}"; do echo "   $line"; done
    echo "   total: $(elapsed "$PHASES_START") s ($([ "$status" -eq 0 ] && echo ok || echo "FAILED, exit $status"))"
}

# Swift Testing's closing count (XCTest, which holds no tests here, prints "Executed 0 tests").
tests_line() {
    local log=$1 status=$2 passed
    [ -f "$log" ] && [ "$status" -eq 0 ] || return 0
    passed=$(sed -n 's/.*Test run with \([0-9][0-9]*\) tests.* passed after.*/\1/p' "$log" | tail -n 1)
    if [ -n "$passed" ]; then echo "tests: $passed passed, 0 failed"; fi
}
