#!/usr/bin/env bash
# Start-up time the agent adds (issue 6: at most 150 ms). Wall time of whole JVM runs, with and
# without -javaagent (default options, no recording), interleaved over ROUNDS rounds:
#   version       java -version
#   hello         a hello world that touches no socket (compiled to a temp directory)
#   hello-socket  the ITs' Hello: a line, a ServerSocket and one refused connect (loads and
#                 instruments the socket classes), with the woven classes in the cache, as every
#                 run after the first one of an agent build on a JDK finds them
#   hello-socket-cold  the same with an empty cache: what the first run pays (Byte Buddy weaves)
# The agent's cache directory is a temporary one (XDG_CACHE_HOME), warmed once before the rounds
# for hello-socket, and a fresh empty one for each hello-socket-cold run.
# Prints each program's median and min-max ms without and with the agent, and the median added.
# Builds nothing.
# Usage: [JAVA_HOME=...] benchmarks/scripts/startup.sh [--quick] [rounds]   (needs the jars and the agent's test classes: mvn -B -DskipTests package, which ./socktrace bench runs when they are stale)
#        --quick: 3 rounds, for a CI smoke test
#        EXTRA="-Xshare:off" benchmarks/scripts/startup.sh   adds JVM options to every run, with and without the agent
#        OLD_AGENT=/path/socktrace-agent.jar benchmarks/scripts/startup.sh   also runs every program with that
#            (older) agent jar in the same rounds: a before/after comparison on one noisy machine
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=11
if [[ "${1:-}" == "--quick" ]]; then ROUNDS=3; shift; fi
ROUNDS=${1:-$ROUNDS}
AGENT="$ROOT/agent/target/socktrace-agent.jar"
TEST_CLASSES="$ROOT/agent/target/test-classes"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JAVAC=${JAVA_HOME:+$JAVA_HOME/bin/}javac
EXTRA=${EXTRA:-}
[[ -f "$AGENT" ]] || { echo "no $AGENT: run mvn -B -DskipTests package first" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/classes"
cat > "$TMP/HelloWorld.java" <<'JAVA'
public class HelloWorld {
    public static void main(String[] args) {
        System.out.println("hello, world");
    }
}
JAVA
"$JAVAC" -d "$TMP/classes" "$TMP/HelloWorld.java"

declare -A PROGRAM=(
  [version]="-version"
  [hello]="-cp $TMP/classes HelloWorld"
  [hello-socket]="-cp $TEST_CLASSES io.socktrace.agent.it.programs.Hello"
  [hello-socket-cold]="-cp $TEST_CLASSES io.socktrace.agent.it.programs.Hello"
)
PROGRAMS=(version hello)
[[ -f "$TEST_CLASSES/io/socktrace/agent/it/programs/Hello.class" ]] && PROGRAMS+=(hello-socket hello-socket-cold)
export XDG_CACHE_HOME="$TMP/cache"
"$JAVA" "-javaagent:$AGENT" ${PROGRAM[hello-socket]} >/dev/null 2>&1 # fills the cache for the warm runs
[[ -n "${OLD_AGENT:-}" ]] && "$JAVA" "-javaagent:$OLD_AGENT" ${PROGRAM[hello-socket]} >/dev/null 2>&1

# one run: prints its wall time in ms; a failed run stops the benchmark
run() {
  local start end
  start=$(date +%s%N)
  # shellcheck disable=SC2086
  if ! "$JAVA" $EXTRA "$@" >"$TMP/out" 2>&1; then
    echo "failed: $JAVA $EXTRA $*" >&2
    cat "$TMP/out" >&2
    exit 1
  fi
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

"$JAVA" -version 2>&1 | head -1 >&2
for ((round = 1; round <= ROUNDS; round++)); do
  line="round $round:"
  for p in "${PROGRAMS[@]}"; do
    # shellcheck disable=SC2086
    without=$(run ${PROGRAM[$p]})
    if [[ "$p" == hello-socket-cold ]]; then
      # shellcheck disable=SC2086
      with=$(XDG_CACHE_HOME=$(mktemp -d -p "$TMP") run "-javaagent:$AGENT" ${PROGRAM[$p]})
    else
      # shellcheck disable=SC2086
      with=$(run "-javaagent:$AGENT" ${PROGRAM[$p]})
    fi
    echo "$p without $without" >> "$TMP/results"
    echo "$p with $with" >> "$TMP/results"
    line+=" $p $without/$with"
    if [[ -n "${OLD_AGENT:-}" ]]; then
      if [[ "$p" == hello-socket-cold ]]; then
        # shellcheck disable=SC2086
        old=$(XDG_CACHE_HOME=$(mktemp -d -p "$TMP") run "-javaagent:$OLD_AGENT" ${PROGRAM[$p]})
      else
        # shellcheck disable=SC2086
        old=$(run "-javaagent:$OLD_AGENT" ${PROGRAM[$p]})
      fi
      echo "$p old $old" >> "$TMP/results"
      line+="/$old"
    fi
  done
  echo "$line ms" >&2
done
python3 - "$TMP/results" "$ROUNDS" "${PROGRAMS[@]}" <<'PY'
import sys, statistics, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    program, mode, ms = line.split()
    runs[(program, mode)].append(int(ms))
print(f"{sys.argv[2]} rounds, wall ms")
print(f"{'program':<17} {'without: median':>16} {'min-max':>10} {'with agent: median':>19} {'min-max':>10} {'added':>6}")
for program in sys.argv[3:]:
    a, b = runs[(program, "without")], runs[(program, "with")]
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{program:<17} {ma:>16.0f} {min(a):>4}-{max(a):<5} {mb:>19.0f} {min(b):>4}-{max(b):<5} {mb - ma:>6.0f}")
old = [p for p in sys.argv[3:] if runs[(p, "old")]]
if old:
    print(f"{'program':<17} {'OLD_AGENT: median':>18} {'min-max':>10} {'added':>6} {'this agent - OLD_AGENT':>23}")
    for program in old:
        a, o, b = runs[(program, "without")], runs[(program, "old")], runs[(program, "with")]
        mo = statistics.median(o)
        print(f"{program:<17} {mo:>18.0f} {min(o):>4}-{max(o):<5} {mo - statistics.median(a):>6.0f} {statistics.median(b) - mo:>23.0f}")
PY
