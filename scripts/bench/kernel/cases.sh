# Kernel enforcement benchmark, run by the VM's /init (scripts/kernel-vm/init.sh) with busybox
# ash; staged by scripts/bench/kernel.ts with /leash-bench (workload.c), /bench.conf and one
# map image per policy (/maps-K.bin, encoded on the host by src/native/kernel_maps.ts).
# Prints "LEASH-BENCH round=R case=C op=O rc=N out=..." per loop, "LEASH-CHECK ..." for the
# enforcement checks and "LEASH-STAT ..." for the per-program counters of the stats pass.
. /bench.conf
CG=/sys/fs/cgroup/target
mkdir -p $CG "$(dirname "$BIN")" "$(dirname "$DEEP")" /work/project/secrets
cp /leash-bench $BIN
chmod 755 $BIN
echo data >"$SHORT"
echo data >"$DEEP"
echo data >"$LONG"
echo key >/work/project/secrets/key
mkfifo /tmp/ctl

# run_in CG CMD...: runs CMD inside cgroup CG ("-" = outside every target cgroup).
run_in() {
  cg=$1
  shift
  if [ "$cg" = - ]; then
    "$@"
  else
    sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$@"
  fi
}

# loops ROUND CASE CG: the timed loops of one case (three open paths, one exec).
loops() {
  r=$1 name=$2 cg=$3
  for spec in "open_short open $SHORT $N_OPEN" "open_long open $LONG $N_OPEN" \
    "open_deep open $DEEP $N_OPEN" "exec exec $BIN $N_EXEC"; do
    set -- $spec
    out=$(run_in "$cg" $BIN "$2" "$3" "$4" 2>&1)
    rc=$?
    echo "LEASH-BENCH round=$r case=$name op=$1 rc=$rc out=$(echo "$out" | tr '\n' ' ')"
  done
}

# start_helper MAPS: attaches every layer in enforce mode, as the kernel tests do.
start_helper() {
  exec 3<>/tmp/ctl
  : >/tmp/events.log # now, not in the background child: no stale helper.active
  t0=$(cut -d' ' -f1 /proc/uptime)
  leash-helper manager --standalone --cgroup $CG --maps "$1" --mode enforce \
    </tmp/ctl >/tmp/events.log 2>>/tmp/helper.err 3>&- &
  helper=$!
  i=0
  while ! grep -q helper.active /tmp/events.log && [ $i -lt 600 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  echo "LEASH-INFO attach maps=$1 start_s=$t0 active_s=$(cut -d' ' -f1 /proc/uptime)"
  grep -m1 helper.active /tmp/events.log | sed 's/^/LEASH-ACTIVE /'
}

# stop_helper: stdin EOF detaches everything; waits for the helper to exit.
stop_helper() {
  exec 3>&-
  i=0
  while kill -0 $helper 2>/dev/null && [ $i -lt 300 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  grep -v '"event":"helper\.\(active\|stopped\|policy\)"' /tmp/events.log | head -n 5 |
    sed 's/^/LEASH-EVENT /'
}

# check NAME CG PATH: one open that the policy must deny (proves the programs enforce).
check() {
  out=$(run_in "$2" $BIN open "$3" 1 2>&1)
  rc=$?
  echo "LEASH-CHECK $1 rc=$rc out=$(echo "$out" | tr '\n' ' ')"
}

round=1
while [ $round -le "$ROUNDS" ]; do
  loops "$round" none $CG
  for k in $RULES; do
    start_helper /maps-$k.bin
    [ "$k" != 0 ] && [ $round = 1 ] && check "denied_$k" $CG /work/project/secrets/key
    loops "$round" "in_$k" $CG
    if [ "$k" = "$OUTSIDE" ]; then
      [ $round = 1 ] && check "outside_$k" - /work/project/secrets/key
      loops "$round" "out_$k" -
    fi
    stop_helper
  done
  round=$((round + 1))
done

# Stats pass (not timed): with kernel.bpf_stats_enabled the workload reads the helper's
# program counters around its timed loop; kallsyms names the programs by tag.
stat_loop() {
  op=$1 cg=$2
  shift 2
  out=$(LEASH_BENCH_STATS=/proc/$helper/fdinfo run_in "$cg" $BIN "$@" 2>&1)
  rc=$?
  echo "LEASH-STATLOOP op=$op rc=$rc $(echo "$out" | head -n 1)"
  echo "$out" | grep '^prog ' | sed "s/^prog /LEASH-STAT op=$op /"
}
if echo 1 >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null; then
  start_helper /maps-$OUTSIDE.bin
  grep -o 'bpf_prog_[0-9a-f]*_[A-Za-z0-9_]*' /proc/kallsyms | sort -u | sed 's/^/LEASH-KSYM /'
  stat_loop open_short $CG open "$SHORT" "$N_OPEN"
  stat_loop open_long $CG open "$LONG" "$N_OPEN"
  stat_loop open_deep $CG open "$DEEP" "$N_OPEN"
  stat_loop exec $CG exec $BIN "$N_EXEC"
  stat_loop out_open_short - open "$SHORT" "$N_OPEN"
  stat_loop out_exec - exec $BIN "$N_EXEC"
  stop_helper
  echo 0 >/proc/sys/kernel/bpf_stats_enabled
else
  echo "LEASH-INFO stats pass skipped: cannot enable kernel.bpf_stats_enabled"
fi
head -c 4000 /tmp/helper.err | sed 's/^/LEASH-HELPER-STDERR /'
