#!/usr/bin/env bash
# The correlator as a whole process against `tcpdump -nn -r`, on one real capture and its recording.
#
# The input: LoopbackLoad (a pcap-correlator test program) runs under the real agent with its
# default settings (recording=load.jfr: normal connections sampled, 100 per second and direction)
# and opens CONNECTIONS loopback connections, EXCHANGES small request/response pairs each (64 B /
# 128 B), 4 at a time, while tcpdump records lo (snap 128, 256 MiB buffer). tcpdump's drop count is
# checked and reported. The full capture (100,000 x 50: 10.8 M packets, 1.5 GB, ~5 min to make) is
# kept in $CACHE (default ${XDG_CACHE_HOME:-~/.cache}/socktrace/correlator-bench/100000x50) and
# reused; FRESH=1 makes it again (after a change to what the agent records). --quick makes a small
# one in a temporary directory every time.
#
# Then, in ROUNDS rounds, interleaved: `java -jar socktrace-correlator.jar correlate --pcap --jfr`
# (JVM start, JIT and GC included; -Xlog:gc to a file for the heap it reached, default heap) on this
# JDK and, if $JDK25_HOME/bin/java exists, on JDK 25; `tcpdump -nn -r` (output to /dev/null);
# `tshark -T fields` on the first 100,000 packets for scale. Prints wall-time medians, min-max,
# packets/s and the ratio to tcpdump (target: >= 20x on >= 10 M packets), and the heap each JDK used.
#
# Usage: benchmarks/scripts/correlator.sh [--quick]     (root: tcpdump on lo; needs tcpdump, tshark, editcap, python3)
#   full:    100,000 connections x 50 exchanges (~10.8 M packets), 3 rounds; ~4 min per round on 2 cores
#            (tcpdump -r takes ~40 s of it), plus ~5 min to make the capture once
#   --quick: 1,000 connections x 20 exchanges (~48 k packets), 1 round; ~30 s when the jars are up to date
# Builds (mvn -o package -DskipTests) only when a source is newer than the jars it runs.
# Environment: PORT (default 47123), ROUNDS, CACHE, FRESH, JDK25_HOME override the defaults.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [[ ${1:-} == --quick ]]; then
  CONNECTIONS=1000; EXCHANGES=20; MIN_PACKETS=20000; ROUNDS=${ROUNDS:-1}; QUICK=true
elif [[ -z ${1:-} ]]; then
  CONNECTIONS=100000; EXCHANGES=50; MIN_PACKETS=10000000; ROUNDS=${ROUNDS:-3}; QUICK=false
else
  echo "usage: $0 [--quick]" >&2; exit 2
fi
PORT=${PORT:-47123}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JDK25_HOME=${JDK25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVAS=("$JAVA")
if [[ -x $JDK25_HOME/bin/java && $("$JAVA" -XshowSettings:properties -version 2>&1 | awk '/java.home/ {print $3}') != "$JDK25_HOME" ]]; then
  JAVAS+=("$JDK25_HOME/bin/java")
fi
AGENT="$ROOT/agent/target/socktrace-agent.jar"
CORRELATOR="$ROOT/pcap-correlator/target/socktrace-correlator.jar"
BENCH="$ROOT/benchmarks/target/socktrace-benchmarks.jar"
BENCH_CP="$BENCH:$CORRELATOR:$ROOT/pcap-correlator/target/test-classes"
[[ $(id -u) == 0 ]] || { echo "needs root (tcpdump on lo)" >&2; exit 1; }
for tool in tcpdump tshark editcap python3; do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
if ss -Htln "sport = :$PORT" | grep -q .; then
  echo "port $PORT is in use; set PORT" >&2; exit 1
fi

# build only when a source or pom is newer than what it builds (CI has usually just built)
stale=false
for built in "$AGENT" "$CORRELATOR" "$BENCH"; do
  if [[ ! -f $built ]] || [[ -n $(find "$ROOT"/{jfr-events,instrumentation,agent,pcap-correlator,benchmarks}/src "$ROOT"/pom.xml \
      "$ROOT"/{jfr-events,instrumentation,agent,pcap-correlator,benchmarks}/pom.xml -newer "$built" -type f -print -quit) ]]; then
    stale=true
  fi
done
if $stale; then
  echo "building agent, correlator and benchmarks (mvn -o package -DskipTests)" >&2
  (cd "$ROOT" && mvn -B -q -o -pl agent,pcap-correlator,benchmarks -am package -DskipTests) >&2
fi

TMP=$(mktemp -d)
TCPDUMP_PID=
cleanup() {
  [[ -n $TCPDUMP_PID ]] && kill "$TCPDUMP_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
now() { date +%s%N; }

# --- the input: a real capture and the recording of the same traffic (cached unless --quick)
if $QUICK; then
  DATA="$TMP"
else
  DATA=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/socktrace/correlator-bench/${CONNECTIONS}x$EXCHANGES}
  mkdir -p "$DATA"
  # kept across builds (making it takes minutes); FRESH=1 after a change to what the agent records
  if [[ -n ${FRESH:-} || ! -f $DATA/done ]]; then
    rm -f "$DATA"/{done,load.pcap,load.jfr,tcpdump.txt,load.txt}
  fi
fi
PCAP="$DATA/load.pcap"; JFR="$DATA/load.jfr"; PREFIX="$TMP/prefix.pcap"
if [[ ! -f $DATA/done ]]; then
  tcpdump -i lo -s 128 -B 262144 -Z root -w "$PCAP" "tcp port $PORT" 2>"$DATA/tcpdump.txt" &
  TCPDUMP_PID=$!
  for _ in $(seq 100); do grep -q "listening on" "$DATA/tcpdump.txt" && break; sleep 0.1; done
  grep -q "listening on" "$DATA/tcpdump.txt" || { cat "$DATA/tcpdump.txt" >&2; exit 1; }
  echo "generating: $CONNECTIONS connections x $EXCHANGES exchanges under the agent (default settings), tcpdump on lo" >&2
  "$JAVA" "-javaagent:$AGENT=recording=$JFR" -cp "$BENCH_CP" io.socktrace.correlator.jvm.LoopbackLoad \
      "$PORT" "$CONNECTIONS" "$EXCHANGES" 4 900 | tee "$DATA/load.txt" >&2
  sleep 1
  kill -INT "$TCPDUMP_PID"; wait "$TCPDUMP_PID" || true; TCPDUMP_PID=
  touch "$DATA/done"
fi
PACKETS=$(awk '/packets captured/ {print $1}' "$DATA/tcpdump.txt")
DROPPED=$(awk '/dropped by kernel/ {print $1}' "$DATA/tcpdump.txt")
if ((PACKETS < MIN_PACKETS)); then
  echo "capture has $PACKETS packets, fewer than $MIN_PACKETS" >&2; rm -f "$DATA/done"; exit 1
fi
PREFIX_PACKETS=$((PACKETS < 100000 ? PACKETS : 100000))
editcap -r "$PCAP" "$PREFIX" "1-$PREFIX_PACKETS"

# --- interleaved rounds; every result line: sample <name> <nanoseconds> <packets>, heap <name> <gc log>
RESULTS="$TMP/results"
for ((round = 1; round <= ROUNDS; round++)); do
  for java in "${JAVAS[@]}"; do
    version=$("$java" -XshowSettings:properties -version 2>&1 | awk '/java.specification.version/ {print $3}')
    echo "round $round/$ROUNDS: correlate on JDK $version" >&2
    log="$TMP/gc-$version-$round.log"
    t0=$(now); "$java" "-Xlog:gc,gc+heap+exit:file=$log" -jar "$CORRELATOR" correlate --pcap "$PCAP" --jfr "$JFR" >"$TMP/report.txt"; t1=$(now)
    echo "sample correlate-jdk$version $((t1 - t0)) $PACKETS" >> "$RESULTS"
    echo "heap correlate-jdk$version $log" >> "$RESULTS"
  done
  echo "round $round/$ROUNDS: tcpdump, tshark" >&2
  t0=$(now); tcpdump -nn -r "$PCAP" >/dev/null 2>&1; t1=$(now)
  echo "sample tcpdump $((t1 - t0)) $PACKETS" >> "$RESULTS"
  t0=$(now); tshark -r "$PREFIX" -T fields -e frame.number -e tcp.flags >/dev/null 2>&1; t1=$(now)
  echo "sample tshark $((t1 - t0)) $PREFIX_PACKETS" >> "$RESULTS"
  grep '^sample' "$RESULTS" | tail -$((${#JAVAS[@]} + 2)) >&2
done
grep -E '^(sampling|connections|flows without)' "$TMP/report.txt" | sed 's/^/report: /' >> "$RESULTS" || true

python3 - "$RESULTS" "$MIN_PACKETS" "$PACKETS" "${DROPPED:-?}" "$CONNECTIONS" "$EXCHANGES" "$(stat -c %s "$PCAP")" "$(stat -c %s "$JFR")" <<'PY'
import sys, statistics, collections, re
results, min_packets, packets, dropped, connections, exchanges, pcap_size, jfr_size = sys.argv[1:9]
walls, heaps, report = collections.defaultdict(list), collections.defaultdict(list), []
for line in open(results):
    f = line.split()
    if f[0] == "sample":
        walls[f[1]].append((int(f[2]) / 1e9, int(f[3])))
    elif f[0] == "heap":
        heaps[f[1]].append(f[2])
    elif f[0] == "report:":
        report.append(line[len("report: "):].rstrip()[:200])
print(f"capture: {int(packets):,} packets ({int(pcap_size)/1e6:.0f} MB), tcpdump dropped {dropped}; "
      f"recording {int(jfr_size)/1e6:.1f} MB (agent defaults); {connections} connections x {exchanges} exchanges")
for r in report:
    print("report: " + r)
base = statistics.median(n / s for s, n in walls["tcpdump"])
print(f"{'':<44} {'n':>2} {'median s':>9} {'min-max s':>15} {'median pkt/s':>13} {'x tcpdump':>9}")
for key in sorted(k for k in walls if k.startswith("correlate")) + ["tcpdump", "tshark"]:
    v = walls[key]
    seconds = statistics.median(s for s, _ in v)
    rate = statistics.median(n / s for s, n in v)
    label = {"tcpdump": "tcpdump -nn -r", "tshark": "tshark -T fields (first 100,000 packets)"}.get(
        key, "java -jar ... correlate --pcap --jfr, JDK " + key[len("correlate-jdk"):])
    print(f"{label:<44} {len(v):>2} {seconds:>9.2f} {min(s for s, _ in v):>7.2f}-{max(s for s, _ in v):<7.2f} {rate:>13,.0f} {rate/base:>9.2f}")
def peak(log):
    text = open(log).read()
    before = [int(m.group(1)) for m in re.finditer(r"(\d+)M->\d+M\(\d+M\)", text)]
    at_exit = [int(m.group(1)) // 1024 for m in re.finditer(r"heap +total.*?used (\d+)K", text)]
    committed = [int(m.group(1)) for m in re.finditer(r"\d+M->\d+M\((\d+)M\)", text)] + [
        int(m.group(1)) // 1024 for m in re.finditer(r"heap +total (?:reserved \d+K, committed )?(\d+)K", text)]
    return max(before + at_exit + [0]), max(committed + [0]), len(before)
for key, logs in sorted(heaps.items()):
    p = [peak(l) for l in logs]
    print(f"heap, {key} (default heap): peak used {max(x[0] for x in p)} MB, committed at most {max(x[1] for x in p)} MB, "
          f"{statistics.median(x[2] for x in p):.0f} GCs")
if int(min_packets) < 10000000:
    print("target: not judged in --quick mode (a small capture is dominated by start-up)")
    sys.exit(0)
for key in sorted(k for k in walls if k.startswith("correlate")):
    rate = statistics.median(n / s for s, n in walls[key])
    print(f"target >= 20x tcpdump on >= 10 M packets, {key}: {'met' if rate >= 20 * base else 'MISSED'} ({rate/base:.1f}x)")
PY
