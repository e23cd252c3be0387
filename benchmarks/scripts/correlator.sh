#!/usr/bin/env bash
# Correlator throughput, end to end, against tcpdump and tshark on the same real capture.
#
# Makes the input first: LoopbackLoad (a pcap-correlator test program) runs under the real agent
# (recording=load.jfr) and opens CONNECTIONS loopback connections, EXCHANGES small request/response
# pairs each (64 B / 128 B), 4 at a time, while tcpdump records lo (snap 128, 64 MiB buffer).
# Every flow of the capture is then a client and a server socket of the recording, so
# `correlate --jfr` joins 2 x CONNECTIONS JVM sockets to CONNECTIONS flows. tcpdump's drop count
# is checked and reported.
#
# Then, in ROUNDS interleaved rounds: one JVM timing in-process (benchmarks module's
# io.socktrace.bench.correlator.CorrelateBenchmark: a warm-up pass
# split into stages, then REPS times 3 x parse only, 3 x `correlate --pcap` and 1 x
# `correlate --pcap --jfr`, the last two through Main.run with output discarded);
# `java -jar socktrace-correlator.jar correlate ...` as a whole process (JVM start included) with
# and without --jfr; `tcpdump -nn -r`; `tshark -T fields` on the first 100,000
# packets (tshark is ~100x slower). Memory: -Xmx64m runs of both correlate forms and a -Xmx16m run
# of correlate --pcap, with GC logs.
# Prints median and min-max packets/s and the ratio to tcpdump.
#
# Usage: benchmarks/scripts/correlator.sh [--quick]     (root: tcpdump on lo; needs tcpdump, tshark, editcap, python3)
#   full:    10,000 connections x 50 exchanges (~1.08 M packets), 3 rounds; ~6-8 min on 2 cores
#   --quick: 1,000 connections x 20 exchanges (~48 k packets), 1 round; ~30 s when the jars are up to date
# Builds (mvn -o package -DskipTests) only when a source is newer than the jars it runs.
# Environment: PORT (default 47123), ROUNDS, REPS override the mode's defaults.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [[ ${1:-} == --quick ]]; then
  CONNECTIONS=1000; EXCHANGES=20; MIN_PACKETS=20000; ROUNDS=${ROUNDS:-1}; REPS=${REPS:-1}
elif [[ -z ${1:-} ]]; then
  CONNECTIONS=10000; EXCHANGES=50; MIN_PACKETS=1000000; ROUNDS=${ROUNDS:-3}; REPS=${REPS:-2}
else
  echo "usage: $0 [--quick]" >&2; exit 2
fi
PORT=${PORT:-47123}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
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

# --- the input: a real capture and the recording of the same traffic
PCAP="$TMP/load.pcap"; JFR="$TMP/load.jfr"; PREFIX="$TMP/prefix.pcap"
tcpdump -i lo -s 128 -B 65536 -Z root -w "$PCAP" "tcp port $PORT" 2>"$TMP/tcpdump.txt" &
TCPDUMP_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$TMP/tcpdump.txt" && break; sleep 0.1; done
grep -q "listening on" "$TMP/tcpdump.txt" || { cat "$TMP/tcpdump.txt" >&2; exit 1; }
echo "generating: $CONNECTIONS connections x $EXCHANGES exchanges under the agent, tcpdump on lo" >&2
"$JAVA" "-javaagent:$AGENT=recording=$JFR" -cp "$BENCH_CP" io.socktrace.correlator.jvm.LoopbackLoad \
    "$PORT" "$CONNECTIONS" "$EXCHANGES" 4 120 | tee "$TMP/load.txt" >&2
sleep 1
kill -INT "$TCPDUMP_PID"; wait "$TCPDUMP_PID" || true; TCPDUMP_PID=
PACKETS=$(awk '/packets captured/ {print $1}' "$TMP/tcpdump.txt")
DROPPED=$(awk '/dropped by kernel/ {print $1}' "$TMP/tcpdump.txt")
if ((PACKETS < MIN_PACKETS)); then
  echo "capture has $PACKETS packets, fewer than $MIN_PACKETS" >&2; exit 1
fi
PREFIX_PACKETS=$((PACKETS < 100000 ? PACKETS : 100000))
editcap -r "$PCAP" "$PREFIX" "1-$PREFIX_PACKETS"

# --- interleaved rounds; every result line: <name> <nanoseconds> <packets>
RESULTS="$TMP/results"
for ((round = 1; round <= ROUNDS; round++)); do
  echo "round $round/$ROUNDS: in-process" >&2
  "$JAVA" -cp "$BENCH_CP" io.socktrace.bench.correlator.CorrelateBenchmark "$PCAP" "$JFR" "$REPS" | tee -a "$RESULTS" >&2
  echo "round $round/$ROUNDS: processes" >&2
  t0=$(now); "$JAVA" -jar "$CORRELATOR" correlate --pcap "$PCAP" --jfr "$JFR" >/dev/null; t1=$(now)
  echo "sample process-full $((t1 - t0)) $PACKETS" >> "$RESULTS"
  t0=$(now); "$JAVA" -jar "$CORRELATOR" correlate --pcap "$PCAP" >/dev/null; t1=$(now)
  echo "sample process-flows $((t1 - t0)) $PACKETS" >> "$RESULTS"
  t0=$(now); tcpdump -nn -r "$PCAP" >/dev/null 2>&1; t1=$(now)
  echo "sample tcpdump $((t1 - t0)) $PACKETS" >> "$RESULTS"
  t0=$(now); tshark -r "$PREFIX" -T fields -e frame.number -e tcp.flags >/dev/null 2>&1; t1=$(now)
  echo "sample tshark $((t1 - t0)) $PREFIX_PACKETS" >> "$RESULTS"
  tail -4 "$RESULTS" >&2
done

# --- memory: does it run in a small heap, and what did the heap reach (G1 log: before->after(committed))
echo "memory: -Xmx64m / -Xmx16m runs with -Xlog:gc" >&2
memory() { # memory <name> <heap> <correlate args...>
  local name=$1 heap=$2; shift 2
  set +e
  "$JAVA" "-Xmx$heap" "-Xlog:gc,gc+heap+exit:file=$TMP/gc-$name.log" -jar "$CORRELATOR" correlate "$@" >/dev/null 2>"$TMP/mem-$name.err"
  echo "memory $name $? $TMP/gc-$name.log $heap" >> "$RESULTS"
  set -e
}
memory full 64m --pcap "$PCAP" --jfr "$JFR"
if ((MIN_PACKETS >= 1000000)); then
  memory flows 64m --pcap "$PCAP"
fi
memory flows-small 16m --pcap "$PCAP"
cat "$TMP"/mem-*.err >&2

python3 - "$RESULTS" "$MIN_PACKETS" "$PACKETS" "${DROPPED:-?}" "$CONNECTIONS" "$EXCHANGES" "$(stat -c %s "$PCAP")" "$(stat -c %s "$JFR")" <<'PY'
import sys, statistics, collections, re
results, min_packets, packets, dropped, connections, exchanges, pcap_size, jfr_size = sys.argv[1:9]
samples, stages, memory, info = collections.defaultdict(list), collections.defaultdict(list), {}, ""
for line in open(results):
    f = line.split()
    if f[0] in ("sample", "stage"):
        (samples if f[0] == "sample" else stages)[f[1]].append(int(f[3]) / (int(f[2]) / 1e9))
        if f[0] == "stage":
            stages[f[1] + "-s"].append(int(f[2]) / 1e9)
    elif f[0] == "memory":
        memory[f[1]] = (int(f[2]), f[3], f[4])
    elif f[0] == "info":
        info = " ".join(f[1:])
print(f"capture: {int(packets):,} packets ({int(pcap_size)/1e6:.0f} MB), tcpdump dropped {dropped}; "
      f"recording {int(jfr_size)/1e6:.1f} MB; {connections} connections x {exchanges} exchanges")
if info:
    print(f"join input: {info}")
base = statistics.median(samples["tcpdump"])
rows = [("parse only (in-process)", "parse"),
        ("read + flows, correlate --pcap (in-process)", "flows"),
        ("full, correlate --pcap --jfr (in-process)", "full"),
        ("read + flows, java -jar ... correlate --pcap", "process-flows"),
        ("full, java -jar ... correlate --pcap --jfr", "process-full"),
        ("tcpdump -nn -r", "tcpdump"),
        ("tshark -T fields (prefix)", "tshark")]
print(f"{'':<46} {'n':>2} {'median pkt/s':>13} {'min-max pkt/s':>23} {'x tcpdump':>9}")
for label, key in rows:
    v = samples[key]
    if v:
        m = statistics.median(v)
        print(f"{label:<46} {len(v):>2} {m:>13,.0f} {min(v):>11,.0f}-{max(v):<11,.0f} {m/base:>9.2f}")
if stages:
    print("where full correlation spends its time (warm-up pass, median seconds): "
          + ", ".join(f"{k} {statistics.median(stages[k + '-s']):.2f}" for k in ("recording-read", "read-flows", "join")))
def heap(log):
    text = open(log).read()
    before = [int(m.group(1)) for m in re.finditer(r"(\d+)M->\d+M\(\d+M\)", text)]
    after = [int(m.group(1)) for m in re.finditer(r"\d+M->(\d+)M\(\d+M\)", text)]
    at_exit = [int(m.group(1)) // 1024 for m in re.finditer(r"heap +total \d+K, used (\d+)K", text)]
    peak = max(before + at_exit) if before + at_exit else 0
    return (f"peak heap used {peak} MB, largest after GC {max(after) if after else '-'} MB, {len(before)} GCs")
for key, label in (("full", "correlate --pcap --jfr"), ("flows", "correlate --pcap"), ("flows-small", "correlate --pcap")):
    if key in memory:
        code, log, size = memory[key]
        print(f"memory -Xmx{size} {label}: {'ok' if code == 0 else 'FAILED exit ' + str(code)}; {heap(log)}")
med = lambda k: statistics.median(samples[k])
if int(min_packets) < 1000000:
    print("targets: not judged in --quick mode (a small capture is dominated by start-up)")
    sys.exit(0)
print("targets: parse >= 10 M/s: %s; full in-process >= 1 M/s: %s; full process >= 20x tcpdump: %s"
      % tuple("yes" if ok else "NO" for ok in (med("parse") >= 10e6, med("full") >= 1e6, med("process-full") >= 20 * base)))
PY
