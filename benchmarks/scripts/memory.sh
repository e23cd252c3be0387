#!/usr/bin/env bash
# Heap the agent retains per tracked open connection: PAIRS loopback connections held open (2 x PAIRS
# sockets, all traced), heap in use after full GCs before and after, per socket; with and without
# the agent (default settings, recording on), ROUNDS JVMs each, interleaved. Target: <= 200 bytes.
# Usage: benchmarks/scripts/memory.sh [pairs] [rounds]   (needs the jars and the agent's test classes: mvn -B -DskipTests package, which ./socktrace bench runs when they are stale; root or a high ulimit -n)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PAIRS=${1:-5000}; ROUNDS=${2:-3}
AGENT="$ROOT/agent/target/socktrace-agent.jar"
CP="$ROOT/agent/target/test-classes"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
ulimit -n $((2 * PAIRS + 1000))
# one GC, no heap sizing noise: fixed heap, serial collector
JVM=(-Xms512m -Xmx512m -XX:+UseSerialGC)
for ((round = 1; round <= ROUNDS; round++)); do
  for config in no-agent agent-default; do
    extra=()
    [[ $config == agent-default ]] && extra=("-javaagent:$AGENT=recording=$TMP/r.jfr")
    v=$("$JAVA" "${JVM[@]}" "${extra[@]}" -cp "$CP" io.socktrace.agent.it.programs.HeapPerConnection "$PAIRS" 2>/dev/null \
        | awk '/bytes-per-socket/ {print $6}')
    echo "$config $v" >> "$TMP/results"
    echo "round $round $config $v bytes/socket" >&2
  done
done
python3 - "$TMP/results" <<'PY'
import statistics, sys
values = {}
for line in open(sys.argv[1]):
    config, v = line.split()
    values.setdefault(config, []).append(float(v))
base = statistics.median(values["no-agent"])
agent = values["agent-default"]
print("heap per open socket (bytes): no agent median %.0f; agent median %.0f (min %.0f, max %.0f)"
      % (base, statistics.median(agent), min(agent), max(agent)))
print("retained by the agent per tracked connection: %.0f bytes (target <= 200)" % (statistics.median(agent) - base))
PY
