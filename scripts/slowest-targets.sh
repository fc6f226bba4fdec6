#!/usr/bin/env bash
# Prints the slowest targets (compile and link steps) of the last build in a build directory, from ninja's log:
# seconds of one core each, slowest first.
# Usage: scripts/slowest-targets.sh [build-dir (default: build)] [count (default: 10)]
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${1:-$repo_root/build}
count=${2:-10}
log=$build_dir/.ninja_log
if [ ! -f "$log" ]; then
  echo "slowest-targets.sh: no ninja log at $log (build with the Ninja generator first)" >&2
  exit 1
fi
# .ninja_log v5: start ms, end ms, mtime, output, hash; a target rebuilt later appears again: keep its last entry.
awk -F'\t' 'NR > 1 && !/^#/ { seconds[$4] = ($2 - $1) / 1000 }
  END { for (target in seconds) printf "%8.1f s  %s\n", seconds[target], target }' "$log" |
  sort -rn | head -n "$count"
awk -F'\t' 'NR > 1 && !/^#/ { seconds[$4] = ($2 - $1) / 1000 }
  END { for (target in seconds) { total += seconds[target]; n++ }
        printf "%8.1f s  in all, %d targets (one core; the build ran them in parallel)\n", total, n }' "$log"
