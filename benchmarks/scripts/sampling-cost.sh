#!/usr/bin/env bash
# What sampling the kernel's view costs: PAIRS loopback connections held open (2 x PAIRS sockets
# of this JVM) while only socktrace's periodic events run, at a 1 s period. Reports the CPU time
# of JFR's periodic-task thread per sample, median of ROUNDS JVMs, and what that is as a share of
# one core at the default 10 s period. Also the sampleCost field of NetworkStatistics (wall time).
# Usage: benchmarks/scripts/sampling-cost.sh [pairs] [seconds] [rounds]   (needs the jars and the agent's test classes: mvn -B -DskipTests package, which ./socktrace bench runs when they are stale; root for ulimit)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PAIRS=${1:-5000}; SECONDS_HELD=${2:-20}; ROUNDS=${3:-3}
AGENT="$ROOT/agent/target/socktrace-agent.jar"
CP="$ROOT/agent/target/test-classes"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cat > "$TMP/periodic.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="socktrace periodic only">
  <event name="socktrace.TcpInfo"><setting name="enabled">true</setting><setting name="period">1 s</setting></event>
  <event name="socktrace.ListenQueue"><setting name="enabled">true</setting><setting name="period">1 s</setting></event>
  <event name="socktrace.NetworkStatistics"><setting name="enabled">true</setting><setting name="period">1 s</setting></event>
</configuration>
JFC
ulimit -n $((2 * PAIRS + 1000))
for ((round = 1; round <= ROUNDS; round++)); do
  "$JAVA" "-javaagent:$AGENT" "-XX:StartFlightRecording:settings=$TMP/periodic.jfc,filename=$TMP/r$round.jfr" \
      -cp "$CP" io.socktrace.agent.it.programs.ManyConnections "$PAIRS" "$SECONDS_HELD" 2>/dev/null | tee -a "$TMP/out" >&2
  "$JAVA" -jar "$AGENT" summary "$TMP/r$round.jfr" >/dev/null
  jfr print --events socktrace.NetworkStatistics "$TMP/r$round.jfr" | awk '/trackedSockets/ {t=$3} /sampleCost/ {print t, $3, $4}' >> "$TMP/costs"
done
python3 - "$TMP/out" "$TMP/costs" "$SECONDS_HELD" <<'PY'
import sys, statistics, re
cpu = [float(m.group(1)) for m in re.finditer(r"cpu ms ([\d.]+)", open(sys.argv[1]).read())]
held = int(sys.argv[3])
per_sample = [c / held for c in cpu]   # one sample of all three events per second
def ms(v, unit): return float(v) * {"s": 1000, "ms": 1, "us": 0.001, "ns": 1e-6}.get(unit, 1)
walls = [ms(v, u) for line in open(sys.argv[2]) for t, v, u in [line.split()] if int(t) > 1000]
m = statistics.median(per_sample)
print(f"sockets tracked: {max(int(l.split()[0]) for l in open(sys.argv[2]))}")
print(f"CPU per sample (all three events): median {m:.1f} ms, min {min(per_sample):.1f}, max {max(per_sample):.1f} ({len(cpu)} JVMs)")
print(f"at the default 10 s period: {m / 10000 * 100:.2f} % of one core")
if walls:
    print(f"NetworkStatistics.sampleCost (wall, /proc read + parse + match): median {statistics.median(walls):.1f} ms")
PY
