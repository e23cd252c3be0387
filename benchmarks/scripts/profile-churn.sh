#!/usr/bin/env bash
# Where each CPU µs of an operation goes: runs a workload (default churn-cpu: connect, a byte each
# way, close) with no agent and with the agent's default settings, profiles each with async-profiler
# in CPU mode over a steady-state window after the warm-up, and prints per configuration the CPU µs
# per operation (the workload's own measure, per CPU second of the whole process) and how it splits:
# socktrace's code (with the JFR commit and stack walk it calls), JFR elsewhere, JIT, GC, the rest,
# and the top socktrace and JFR frames (io.socktrace.bench.profile.ProfileBreakdown).
# Usage: benchmarks/scripts/profile-churn.sh [--quick] [--warmup S] [--seconds S] [WORKLOAD...]
#   WORKLOAD: churn-cpu (default), refused-storm, reset-storm (those whose result is per CPU second)
#   needs the agent and benchmarks jars (mvn -B -DskipTests package; ./socktrace bench builds them)
#   async-profiler (tools.profiler:async-profiler 4.2 from Maven Central, whose jar bundles the
#   linux-x64 library) is fetched once into ${XDG_CACHE_HOME:-~/.cache}/socktrace/; or set
#   ASYNC_PROFILER_LIB to a libasyncProfiler.so. Profiles and breakdowns stay in $SOCKTRACE_OUT/bench/profile/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
AGENT="$ROOT/agent/target/socktrace-agent.jar"
BENCH="$ROOT/benchmarks/target/socktrace-benchmarks.jar"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JCMD=${JAVA_HOME:+$JAVA_HOME/bin/}jcmd
OUT="${SOCKTRACE_OUT:-$ROOT/out}/bench/profile"
AP_VERSION=4.2
# ≥ 30 s: C2 compiles churn's woven socket methods with JFR's writers inlined up to ~21 s in
WARMUP=40
SECONDS_MEASURED=20
TOP=15
workloads=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) WARMUP=3; SECONDS_MEASURED=5; TOP=5; shift ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --seconds) SECONDS_MEASURED=$2; shift 2 ;;
    churn-cpu|refused-storm|reset-storm) workloads+=("$1"); shift ;;
    *) echo "profile-churn: unknown argument '$1' (usage: [--quick] [--warmup S] [--seconds S] [churn-cpu|refused-storm|reset-storm...])" >&2; exit 2 ;;
  esac
done
[[ ${#workloads[@]} -gt 0 ]] || workloads=(churn-cpu)
(( SECONDS_MEASURED >= 4 )) || { echo "profile-churn: --seconds must be at least 4" >&2; exit 2; }
for jar in "$AGENT" "$BENCH"; do
  [[ -f "$jar" ]] || { echo "profile-churn: no $jar (build first: mvn -B -DskipTests package)" >&2; exit 2; }
done

LIB=${ASYNC_PROFILER_LIB:-}
if [[ -z "$LIB" ]]; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/socktrace/async-profiler-$AP_VERSION"
  LIB="$cache/linux-x64/libasyncProfiler.so"
  if [[ ! -f "$LIB" ]]; then
    echo "profile-churn: fetching async-profiler $AP_VERSION into $cache" >&2
    mkdir -p "$cache"
    mvn -B -ntp -q dependency:copy "-Dartifact=tools.profiler:async-profiler:$AP_VERSION" "-DoutputDirectory=$cache" >&2
    (cd "$cache" && unzip -oq "async-profiler-$AP_VERSION.jar" linux-x64/libasyncProfiler.so)
  fi
fi

mkdir -p "$OUT"
TMP=$(mktemp -d)
pid=""
# the workload JVM is stopped whatever ends this script
trap '[[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$TMP"' EXIT
echo "$("$JAVA" -version 2>&1 | head -1); ${WARMUP} s warm-up, then ${SECONDS_MEASURED} s measured, profiled from ~1.5 s in to ~1.5 s before its end; async-profiler $AP_VERSION, event=cpu, 1 ms"
for workload in "${workloads[@]}"; do
  declare -A micros=()
  for config in no-agent agent-default; do
    agent_args=()
    [[ "$config" == agent-default ]] && agent_args=("-javaagent:$AGENT=recording=$TMP/$workload.jfr")
    profile="$OUT/$workload-$config.collapsed"
    rm -f "$profile"
    # DebugNonSafepoints: samples name the inlined method they are in, not the compiled one around it
    "$JAVA" "${agent_args[@]}" -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints -cp "$BENCH" \
        io.socktrace.bench.Workloads "$workload" "$WARMUP" "$SECONDS_MEASURED" > "$TMP/run.log" 2>&1 &
    pid=$!
    sleep "$(awk -v w="$WARMUP" 'BEGIN {print w + 0.5}')"
    # attaching takes ~1 s; the profiler stops itself and writes the profile after the timeout
    "$JCMD" "$pid" JVMTI.agent_load "$LIB" "\"start,event=cpu,interval=1ms,timeout=$((SECONDS_MEASURED - 3)),file=$profile,collapsed\"" \
        > "$TMP/jcmd.log" 2>&1 || { cat "$TMP/jcmd.log" >&2; exit 1; }
    wait "$pid" || { cat "$TMP/run.log" >&2; exit 1; }
    pid=""
    result=$(awk '/^result / {print $2}' "$TMP/run.log")
    [[ -s "$profile" ]] || { echo "profile-churn: no profile written ($profile)" >&2; cat "$TMP/jcmd.log" "$TMP/run.log" >&2; exit 1; }
    micros[$config]=$(awk -v r="$result" 'BEGIN {printf "%.2f", 1e6 / r}')
    echo
    echo "### $workload, $config: $result operations per CPU second = ${micros[$config]} CPU µs per operation"
    echo
    "$JAVA" -cp "$BENCH" io.socktrace.bench.profile.ProfileBreakdown "$profile" "${micros[$config]}" "$TOP" \
        | tee "$OUT/$workload-$config.md"
  done
  echo
  echo "$workload: the agent's default settings add $(awk -v a="${micros[agent-default]}" -v n="${micros[no-agent]}" \
      'BEGIN {printf "%.2f CPU µs per operation (%.3f× the operations per CPU second)", a - n, n / a}') in this run"
  unset micros
done
echo "profiles (collapsed stacks, for flame graphs) and breakdowns: $OUT/"
