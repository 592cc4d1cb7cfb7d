#!/bin/bash
# Instructions per operation, independent of machine load: run a driver under callgrind at two
# counts and divide the difference by the extra operations (start-up and JIT warm-up cancel).
#   scripts/bench-compare/callgrind.sh <driver.mjs> <tree> <n1> <n2>
# <tree> is a checkout built with `npx tsc -p tsconfig.bench.json` (its dist-bench/ is read).
set -euo pipefail
driver=$1 tree=$2 n1=$3 n2=$4
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null --smc-check=all-non-file \
    node "$driver" "$tree" "$1" 2>&1 | awk '/Collected/ {print $4}'
}
a=$(count "$n1")
b=$(count "$n2")
echo "$tree $(basename "$driver"): $(( (b - a) / (n2 - n1) )) instructions/op ($n1: $a, $n2: $b)"
