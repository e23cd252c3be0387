#!/usr/bin/env bash
# Quick overhead check: blocking 64-byte ping-pong over loopback, round trips per second, in four
# configurations run interleaved (ROUNDS rounds, each JVM: 1 s warm-up + SECONDS measured).
# Prints each configuration's median and min-max as a ratio to "no agent".
# Usage: bench/quick-overhead.sh [rounds] [seconds] [size]     (needs: mvn -B -DskipTests install)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-5}; SECONDS_MEASURED=${2:-3}; SIZE=${3:-64}
AGENT="$ROOT/agent/target/socktrace-agent.jar"
CP="$ROOT/agent/target/test-classes"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
JDK_JFC="$TMP/jdk-socket-0.jfc"
# the anchor: the JDK's default settings with its own socket events at threshold 0, no agent
"$JAVA" -jar "$AGENT" settings | python3 -c '
import re, sys
jfc = sys.stdin.read()
for name in ("jdk.SocketRead", "jdk.SocketWrite"):
    start = jfc.index("<event name=\"%s\">" % name)
    end = jfc.index("</event>", start)
    block = re.sub(r"(<setting name=\"threshold\"[^>]*>)[^<]*(</setting>)", r"\g<1>0 ms\g<2>", jfc[start:end])
    jfc = jfc[:start] + block + jfc[end:]
print(jfc)' > "$JDK_JFC"
grep -A3 'jdk.SocketRead"' "$JDK_JFC" | grep -q '>0 ms<' || { echo "could not set jdk.SocketRead threshold" >&2; exit 1; }

declare -A ARGS=(
  [no-agent]=""
  [agent-default]="-javaagent:$AGENT=recording=$TMP/a.jfr"
  [agent-threshold-0]="-javaagent:$AGENT=recording=$TMP/b.jfr,receiveThreshold=0,sendThreshold=0"
  [jdk-events-0]="-XX:StartFlightRecording:settings=$JDK_JFC,filename=$TMP/c.jfr"
)
CONFIGS=(no-agent agent-default agent-threshold-0 jdk-events-0)
for ((round = 1; round <= ROUNDS; round++)); do
  for c in "${CONFIGS[@]}"; do
    # shellcheck disable=SC2086
    v=$("$JAVA" ${ARGS[$c]} -cp "$CP" io.socktrace.agent.it.programs.PingPong "$SIZE" 1 "$SECONDS_MEASURED" 2>/dev/null | awk '/roundtrips/ {print $2}')
    echo "$c $v" >> "$TMP/results"
    echo "round $round $c $v" >&2
  done
done
python3 - "$TMP/results" <<'PY'
import sys, statistics, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, value = line.split()
    runs[name].append(float(value))
base = statistics.median(runs["no-agent"])
print(f"{'configuration':<20} {'median rt/s':>12} {'ratio':>7} {'min-max ratio':>15}")
for name in ["no-agent", "agent-default", "agent-threshold-0", "jdk-events-0"]:
    v = runs[name]
    print(f"{name:<20} {statistics.median(v):>12.0f} {statistics.median(v)/base:>7.2f} {min(v)/base:>7.2f}-{max(v)/base:.2f}")
PY
