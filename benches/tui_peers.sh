#!/usr/bin/env bash
# TUI benchmark of dbn (release build) against the peers harlequin (with
# harlequin-postgres) and pgcli, in the same run, against the same local
# Postgres table (`dbn_bench.bench_rows`, 1,000,000 rows x 5 columns, created
# by benches/query_csv.sh when missing).
#
# Run:
#   eval "$(scripts/test-services.sh start)"     # or `env` if already running
#   benches/query_csv.sh                          # once, creates dbn_bench.bench_rows
#   python3 -m venv /tmp/peers && /tmp/peers/bin/pip install pgcli harlequin harlequin-postgres
#   benches/tui_peers.sh                          # needs target/release/dbn and tmux
#
# Env: DBN (default target/release/dbn), PEERS_VENV (default /tmp/peers),
# STEP_TIMEOUT (seconds per step, default 120), ONLY="dbn harlequin pgcli".
#
# Every program runs in its own tmux server (`tmux -L NAME`, 200x60) and is
# driven like a user would: keys via `send-keys`, the screen read with
# `capture-pane -p` every ~20 ms, and an event is timestamped when its marker
# string appears on the screen. Measured per program:
#   start-up      process start (just before `tmux new-session`) to the first
#                 non-blank screen ("first output"), and to the first
#                 screen showing the program's ready marker: dbn the schema tree
#                 with `bench_rows` and the key hints; harlequin the data
#                 catalog (`dbn_bench db`) and the key hints; pgcli its prompt.
#   first rows    the run key (dbn F5, harlequin Ctrl+J = its Ctrl+Enter binding,
#                 pgcli Enter) to the first screen showing a `name-N` value.
#                 The query text is typed first and the clock starts only once
#                 it is visible on the screen.
#   complete      the run key to the program's "done" marker (dbn: `rows in`
#                 in the status bar; harlequin: `Query Results (Showing`;
#                 pgcli: `SELECT 1000000`).
#   peak RSS      VmHWM of the program's process (plus any child processes)
#                 polled from /proc every 50 ms; reported at first rows and at
#                 the end (after the 5 s idle window).
#   idle CPU      utime+stime from /proc/PID/stat over 5 s after "complete",
#                 as % of one core (threads included; the tmux server is not).
# Settings: dbn runs in a temporary workspace with a saved connection; pgcli
# with pager off, `row_limit = 0` (no "more than 1000 rows" prompt) and
# --less-chatty, so it prints all rows into the terminal; harlequin with its
# defaults (it fetches all rows and shows at most 100,000). HOME/XDG dirs
# point into temp dirs so no user config or history is read or written.
#
# Caveats: one run per program, not a median. The machine is shared (2 cores)
# and other builds or tests may be running, which inflates times and idle CPU.
# Timestamps include tmux/capture-pane polling granularity (~20-30 ms). The
# start-up time includes starting the tmux server (a few ms). pgcli is a REPL,
# not a full-screen UI: its "first screen" is the prompt and its first rows
# appear only after it has fetched and formatted the whole result. A step
# that does not finish within STEP_TIMEOUT prints "timeout" and the program
# is killed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

DBN="${DBN:-$ROOT/target/release/dbn}"
VENV="${PEERS_VENV:-/tmp/peers}"
STEP_TIMEOUT="${STEP_TIMEOUT:-120}"
ONLY="${ONLY:-dbn harlequin pgcli rainfrog}"
SQL="SELECT * FROM bench_rows"
: "${DBN_TEST_PG_URL:?start servers with: eval \"\$(scripts/test-services.sh start)\"}"
URL="${DBN_TEST_PG_URL%%\?*}"
URL="${URL%/*}/dbn_bench"
PSQL="${DBN_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}/psql"
CLK_TCK="$(getconf CLK_TCK)"

command -v tmux >/dev/null || { echo "tmux is missing (apt-get install tmux)" >&2; exit 1; }
rows="$("$PSQL" "$URL" -qAtX -c "SELECT count(*) FROM bench_rows" 2>/dev/null || true)"
[ "$rows" = 1000000 ] || { echo "dbn_bench.bench_rows missing or not 1,000,000 rows: run benches/query_csv.sh" >&2; exit 1; }

now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
secs() { awk -v v="$1" 'BEGIN { if (v >= 10000) printf "%.1f s", v / 1000; else printf "%d ms", v }'; }

SOCK="" PANE_PID="" POLL_PID="" WORK=""
cleanup() {
  [ -n "$POLL_PID" ] && kill "$POLL_PID" 2>/dev/null
  [ -n "$SOCK" ] && { tmux -L "$SOCK" kill-server 2>/dev/null; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"; }
  if [ -n "$PANE_PID" ] && kill -0 "$PANE_PID" 2>/dev/null; then
    sleep 0.5; kill "$PANE_PID" 2>/dev/null; sleep 0.5; kill -9 "$PANE_PID" 2>/dev/null
  fi
  [ -n "$WORK" ] && rm -rf "$WORK"
  SOCK="" PANE_PID="" POLL_PID="" WORK=""
}
trap cleanup EXIT INT TERM

screen() { tmux -L "$SOCK" capture-pane -p -t t 2>/dev/null; }

# wait_for REGEX [REGEX2]: poll the screen every 20 ms until all regexes match;
# prints the timestamp, or returns 1 after STEP_TIMEOUT.
wait_for() {
  local deadline s
  deadline="$(awk -v n="$(now)" -v t="$STEP_TIMEOUT" 'BEGIN { printf "%.3f", n + t }')"
  while :; do
    s="$(screen)"
    if grep -Eq -- "$1" <<<"$s" && { [ -z "${2:-}" ] || grep -Eq -- "$2" <<<"$s"; }; then now; return 0; fi
    if awk -v n="$(now)" -v d="$deadline" 'BEGIN { exit !(n > d) }'; then return 1; fi
    sleep 0.02
  done
}

# Sum of VmHWM (kB) over PID and its descendants.
tree_pids() { local p="$1"; echo "$p"; for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_pids "$c"; done; }
hwm_kb() {
  local total=0 p v
  for p in $(tree_pids "$1"); do
    v="$(awk '/^VmHWM:/ { print $2 }' /proc/"$p"/status 2>/dev/null)"
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
# Background poller: every 50 ms record the max of the tree's VmHWM (or
# VmRSS, whichever is larger) into FILE.
poll_rss() {
  local pid="$1" file="$2" max=0 v r p
  while kill -0 "$pid" 2>/dev/null; do
    v="$(hwm_kb "$pid")"
    r=0; for p in $(tree_pids "$pid"); do r=$((r + $(awk '/^VmRSS:/ { print $2 }' /proc/"$p"/status 2>/dev/null || echo 0))); done
    [ "$r" -gt "$v" ] && v="$r"
    [ "$v" -gt "$max" ] && { max="$v"; echo "$max" >"$file"; }
    sleep 0.05
  done
}
cpu_ticks() { awk '{ print $14 + $15 }' /proc/"$1"/stat 2>/dev/null || echo 0; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k / 1024 }'; }

RESULTS=()
record() { RESULTS+=("$(printf '| %s | %s | %s | %s | %s | %s | %s |' "$@")"); }
# (the start-up column is "first output / ready screen")

# bench NAME CMD READY1 READY2 RUNKEY ROWS DONE
bench() {
  local name="$1" cmd="$2" ready1="$3" ready2="$4" runkey="$5" rowsre="$6" donere="$7" prekeys="${8:-}" postkeys="${9:-}"
  local t0 t_frame t_ready t_run t_rows t_done frame startup first complete rss_rows rss_end idle c0 c1
  SOCK="bench_${name%% *}_$$"
  echo "== $name" >&2
  t0="$(now)"
  tmux -L "$SOCK" new-session -d -s t -x 200 -y 60 "$cmd"
  PANE_PID="$(tmux -L "$SOCK" list-panes -t t -F '#{pane_pid}')"
  POLL_PID=""
  local rssf="$WORK/rss"; echo 0 >"$rssf"
  poll_rss "$PANE_PID" "$rssf" & POLL_PID=$!
  if ! t_frame="$(wait_for '[^[:space:]]')" || ! t_ready="$(wait_for "$ready1" "$ready2")"; then
    record "$name" - timeout - - - - -; screen | tail -5 >&2; cleanup; return
  fi
  frame="$(ms "$t0" "$t_frame")"
  startup="$(secs "$frame") / $(secs "$(ms "$t0" "$t_ready")")"
  sleep 1 # let it settle (catalog loads, completions) before typing
  for k in $prekeys; do tmux -L "$SOCK" send-keys -t t "$k"; sleep 0.3; done
  tmux -L "$SOCK" send-keys -t t -l "$SQL"
  if ! wait_for "FROM bench_rows" >/dev/null; then
    record "$name" "$startup" "timeout (query text never shown)" - - - -; cleanup; return
  fi
  for k in $postkeys; do tmux -L "$SOCK" send-keys -t t "$k"; sleep 0.3; done
  sleep 0.3
  t_run="$(now)"
  tmux -L "$SOCK" send-keys -t t "$runkey"
  if ! t_rows="$(wait_for "$rowsre")"; then
    record "$name" "$startup" timeout - "$(mb "$(cat "$rssf")")" - -; screen | tail -5 >&2; cleanup; return
  fi
  first="$(ms "$t_run" "$t_rows")"
  rss_rows="$(hwm_kb "$PANE_PID")"
  if ! t_done="$(wait_for "$donere")"; then
    record "$name" "$startup" "$(secs "$first")" timeout "$(mb "$rss_rows")" "$(mb "$(cat "$rssf")")" -; cleanup; return
  fi
  complete="$(ms "$t_run" "$t_done")"
  c0="$(cpu_ticks "$PANE_PID")"; sleep 5; c1="$(cpu_ticks "$PANE_PID")"
  idle="$(awk -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f %%", (b - a) / hz / 5 * 100 }')"
  local polled; polled="$(cat "$rssf")"; rss_end="$(hwm_kb "$PANE_PID")"
  [ "$polled" -gt "$rss_end" ] && rss_end="$polled"
  record "$name" "$startup" "$(secs "$first")" "$(secs "$complete")" "$(mb "$rss_rows")" "$(mb "$rss_end")" "$idle"
  cleanup
}

echo "dbn TUI vs peers: $(nproc) cores, $(date -u '+%F %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

for prog in $ONLY; do
  WORK="$(mktemp -d)"
  case "$prog" in
    dbn)
      if [ ! -x "$DBN" ]; then record dbn "not run: $DBN missing" - - - - -; rm -rf "$WORK"; WORK=""; continue; fi
      envs="XDG_DATA_HOME=$WORK/data XDG_CONFIG_HOME=$WORK/config DBN_SECRETS_BACKEND=file DBN_MASTER_PASSWORD=x"
      if ! (cd "$WORK" && env $envs "$DBN" init >/dev/null && env $envs "$DBN" connect add b --url "$URL" --no-password >/dev/null); then
        record dbn "not run: workspace setup failed" - - - - -; cleanup; continue
      fi
      bench "dbn $("$DBN" --version | awk '{ print $2 }') (release)" \
        "cd $WORK && exec env $envs $DBN ui --conn b" \
        'bench_rows' 'F1 help' F5 'name-1[^0-9]' 'rows in '
      ;;
    harlequin)
      if [ ! -x "$VENV/bin/harlequin" ]; then record harlequin "not run: $VENV/bin/harlequin missing" - - - - -; cleanup; continue; fi
      ver="$("$VENV/bin/pip" show harlequin 2>/dev/null | awk '/^Version/ { print $2 }')"
      bench "harlequin $ver" \
        "cd $WORK && exec env HOME=$WORK XDG_CONFIG_HOME=$WORK/.config XDG_DATA_HOME=$WORK/.local/share XDG_CACHE_HOME=$WORK/.cache $VENV/bin/harlequin -a postgres '$URL'" \
        'dbn_bench db' 'Run Query' C-j 'name-1[^0-9]' 'Query Results \(Showing'
      ;;
    pgcli)
      if [ ! -x "$VENV/bin/pgcli" ]; then record pgcli "not run: $VENV/bin/pgcli missing" - - - - -; cleanup; continue; fi
      ver="$("$VENV/bin/pgcli" --version 2>/dev/null | awk '{ print $NF }')"
      printf '[main]\nenable_pager = False\nrow_limit = 0\nless_chatty = True\nhistory_file = %s/history\nlog_file = %s/log\n' "$WORK" "$WORK" >"$WORK/pgclirc"
      bench "pgcli $ver" \
        "cd $WORK && exec env HOME=$WORK XDG_CONFIG_HOME=$WORK/.config PAGER=cat LESS= $VENV/bin/pgcli --pgclirc $WORK/pgclirc --less-chatty '$URL'" \
        'dbn_bench> *$' '' Enter 'name-[0-9]+' 'SELECT 1000000'
      ;;
    rainfrog)
      # cargo install rainfrog --locked --no-default-features --features arboard --root /tmp/rainfrog
      RF="${RAINFROG:-/tmp/rainfrog/bin/rainfrog}"
      if [ ! -x "$RF" ]; then record rainfrog "not run: $RF missing" - - - - -; cleanup; continue; fi
      ver="$("$RF" --version 2>/dev/null | head -1 | awk '{ print $2 }' | cut -d- -f1)"
      # Alt+2 focuses its editor, i enters insert mode, Esc leaves it, F5 runs.
      bench "rainfrog $ver" \
        "cd $WORK && exec env HOME=$WORK XDG_CONFIG_HOME=$WORK/.config XDG_DATA_HOME=$WORK/.local/share $RF -u '$URL'" \
        'bench_rows' 'results <alt' F5 'name-1[^0-9]' 'results <alt.3> \(1000000 rows' 'M-2 i' 'Escape'
      ;;
    *) echo "unknown program $prog" >&2; rm -rf "$WORK"; WORK="" ;;
  esac
done

echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "| program | start-up: first output / ready screen | Enter to first rows | Enter to all rows | peak RSS at first rows | peak RSS overall | idle CPU (5 s) |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${RESULTS[@]}"
