#!/usr/bin/env bash
# What capturing the opening stack costs: connection churn (connect, 1 byte each way, close) with
# the agent recording, openingStacks=true against openingStacks=false, interleaved ROUNDS rounds.
# Usage: benchmarks/scripts/opening-stacks.sh [rounds] [seconds]     (needs the jars and the agent's test classes: mvn -B -DskipTests package, which ./socktrace bench runs when they are stale)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${1:-5}; SECONDS_MEASURED=${2:-3}
AGENT="$ROOT/agent/target/socktrace-agent.jar"
CP="$ROOT/agent/target/test-classes"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for ((round = 1; round <= ROUNDS; round++)); do
  for stacks in true false; do
    v=$("$JAVA" "-javaagent:$AGENT=recording=$TMP/r.jfr,openingStacks=$stacks" -cp "$CP" \
        io.socktrace.agent.it.programs.ConnectChurn 1 "$SECONDS_MEASURED" 2>/dev/null | awk '/connections/ {print $2}')
    echo "$stacks $v" >> "$TMP/results"
    echo "round $round openingStacks=$stacks $v" >&2
  done
done
python3 - "$TMP/results" <<'PY'
import sys, statistics, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    k, v = line.split(); runs[k].append(float(v))
on, off = statistics.median(runs["true"]), statistics.median(runs["false"])
print(f"openingStacks=false  median {off:.0f} connections/s  (min {min(runs['false']):.0f}, max {max(runs['false']):.0f})")
print(f"openingStacks=true   median {on:.0f} connections/s  (min {min(runs['true']):.0f}, max {max(runs['true']):.0f})")
print(f"ratio true/false {on/off:.3f}; cost per connection (2 sockets) {(1/on - 1/off)*1e6:.2f} us")
PY
