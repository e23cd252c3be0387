#!/usr/bin/env bash
# Start-up of an application that uses class data sharing for its own classes, with and without
# the agent (issue 15): an AppCDS archive (-XX:ArchiveClassesAtExit, JDK 13+) and, on JDK 24+, an
# AOT cache (-XX:AOTCacheOutput / -XX:AOTCache, trained and run with --add-modules java.instrument,
# which any -javaagent implies), each made by a training run without the agent.
# The application is the ITs' NettyEcho (Netty's NIO transport echoing over loopback: ~1,000
# application classes, where sharing pays). Wall time of whole JVM runs, interleaved rounds:
#   plain        no archive (the JDK's default CDS only), no agent
#   archive      the archive, no agent
#   agent        the archive and -javaagent:socktrace-agent.jar (default options, woven classes cached)
#   old-agent    the same with OLD_AGENT, an older agent jar (one that appended its boot jar), if given
# Also prints how many application classes each configuration took from the archive, and whether
# the JVM printed anything the plain run did not.
# Usage: [JAVA_HOME=...] [OLD_AGENT=/path/socktrace-agent.jar] benchmarks/scripts/startup-cds.sh [--quick] [rounds]
#        (needs the jars and the agent's test classes: mvn -B -DskipTests package, which ./socktrace bench runs when they are stale; --quick: 3 rounds)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=11
if [[ "${1:-}" == "--quick" ]]; then ROUNDS=3; shift; fi
ROUNDS=${1:-$ROUNDS}
AGENT="$ROOT/agent/target/socktrace-agent.jar"
TEST_CLASSES="$ROOT/agent/target/test-classes"
NETTY="$ROOT/agent/target/it-libs/netty"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
OLD_AGENT=${OLD_AGENT:-}
for f in "$AGENT" "$TEST_CLASSES/io/socktrace/agent/it/programs/NettyEcho.class" "$NETTY"; do
  [[ -e "$f" ]] || { echo "no $f: run mvn -B -DskipTests package first" >&2; exit 1; }
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# CDS archives classes from jars only (a non-empty directory on the class path stops the dump)
JAR=${JAVA_HOME:+$JAVA_HOME/bin/}jar
"$JAR" cf "$TMP/app.jar" -C "$TEST_CLASSES" io/socktrace/agent/it/programs
CP="$TMP/app.jar$(printf ':%s' "$NETTY"/*.jar)"
APP=(-cp "$CP" io.socktrace.agent.it.programs.NettyEcho)
export XDG_CACHE_HOME="$TMP/cache"
FEATURE=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')

kinds=(appcds)
(( FEATURE >= 24 )) && kinds+=(aot)

# one run: prints its wall time in ms; a failed run stops the benchmark
run() {
  local start end
  start=$(date +%s%N)
  if ! "$JAVA" "$@" >"$TMP/out" 2>&1; then
    echo "failed: $JAVA $*" >&2
    cat "$TMP/out" >&2
    exit 1
  fi
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%d (%d-%d)", m, a[1], a[NR]}'; }

"$JAVA" -version 2>&1 | head -1 >&2
for kind in "${kinds[@]}"; do
  if [[ $kind == appcds ]]; then
    "$JAVA" -XX:ArchiveClassesAtExit="$TMP/app.jsa" "${APP[@]}" >"$TMP/dump.out" 2>&1 || { cat "$TMP/dump.out" >&2; exit 1; }
    USE=(-XX:SharedArchiveFile="$TMP/app.jsa")
  else
    # any -javaagent resolves java.instrument, and a cache trained without it is refused whole
    # ("Mismatched values for property jdk.module.addmods"): train with it, run every configuration with it
    "$JAVA" -XX:AOTCacheOutput="$TMP/app.aot" --add-modules java.instrument "${APP[@]}" >"$TMP/dump.out" 2>&1 \
        || { cat "$TMP/dump.out" >&2; exit 1; }
    USE=(-XX:AOTCache="$TMP/app.aot" --add-modules java.instrument)
  fi
  declare -A ARGS=(
    [plain]=""
    [archive]="${USE[*]}"
    [agent]="${USE[*]} -javaagent:$AGENT"
  )
  configs=(plain archive agent)
  if [[ -n "$OLD_AGENT" ]]; then ARGS[old-agent]="${USE[*]} -javaagent:$OLD_AGENT"; configs+=(old-agent); fi
  "$JAVA" "-javaagent:$AGENT" "${APP[@]}" >/dev/null 2>&1 # fills the agent's cache of woven classes
  # shellcheck disable=SC2086
  run ${ARGS[plain]} "${APP[@]}" >/dev/null; cp "$TMP/out" "$TMP/plain.out"
  for c in "${configs[@]}"; do
    # shellcheck disable=SC2086
    "$JAVA" ${ARGS[$c]} -Xlog:class+load:file="$TMP/classes-$c.log" "${APP[@]}" > "$TMP/out-$c" 2>&1
    shared=$(grep -c 'io\.netty\..* source: shared objects file' "$TMP/classes-$c.log" || true)
    netty=$(grep -c ' io\.netty\.' "$TMP/classes-$c.log" || true)
    extra=$(diff <(grep -v '^   socket ' "$TMP/plain.out") <(grep -v '^   socket ' "$TMP/out-$c") | grep -c '^>' || true)
    echo "$kind $c: $shared of $netty Netty classes from the archive; $extra extra output lines" >&2
    if [[ $extra -gt 0 ]]; then
      { diff <(grep -v '^   socket ' "$TMP/plain.out") <(grep -v '^   socket ' "$TMP/out-$c") || true; } | grep '^>' | head -3 >&2
    fi
  done
  : > "$TMP/results"
  for ((round = 1; round <= ROUNDS; round++)); do
    line="$kind round $round:"
    for c in "${configs[@]}"; do
      # shellcheck disable=SC2086
      t=$(run ${ARGS[$c]} "${APP[@]}")
      echo "$c $t" >> "$TMP/results"
      line+=" $c $t"
    done
    echo "$line" >&2
  done
  base=$(awk '$1=="archive" {print $2}' "$TMP/results" | median | cut -d' ' -f1)
  for c in "${configs[@]}"; do
    m=$(awk -v c="$c" '$1==c {print $2}' "$TMP/results" | median)
    printf '%-7s %-10s %s ms  (%+d vs archive)\n' "$kind" "$c" "$m" $(( ${m%% *} - base ))
  done
done
