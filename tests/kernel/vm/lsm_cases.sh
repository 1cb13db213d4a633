# Kernel test cases run by the VM's /init (scripts/kernel-vm/init.sh) with busybox ash.
# Each case prints "LEASH-CASE name rc=N out=..."; lsm_vm_test.ts asserts on them and on
# the helper's events ("LEASH-EVENT {json}"). The policy is in /maps.bin (encoded on the
# host by src/native/kernel_maps.ts from lsm_vm_test.ts's Cedar text).
CG=/sys/fs/cgroup/target
mkdir -p $CG

case_run() {
  name=$1 cg=$2
  shift 2
  if [ "$cg" = - ]; then
    out=$("$@" 2>&1)
  else
    out=$(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$@" 2>&1)
  fi
  rc=$?
  echo "LEASH-CASE $name rc=$rc out=$(echo "$out" | tr '\n' ' ' | tail -c 300)"
}

# ctl COMMAND PATTERN: sends a command to the helper and waits for a new event line matching PATTERN.
ctl() {
  before=$(grep -c "$2" /tmp/events.log)
  echo "$1" >&3
  i=0
  while [ "$(grep -c "$2" /tmp/events.log)" -le "$before" ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
  done
}

# Fixtures (created outside the target cgroup, so unaffected).
mkdir -p /work/secrets /work/deep /opt/denied /opt/allowed /opt/execonly /etc
cp /bin/busybox /opt/execonly/busybox
echo hello >/work/a.txt
echo secret >/work/secrets/key
echo root:x:0:0 >/etc/passwd
echo other >/etc/passwd-x
printf '#!/bin/sh\necho ran\n' >/opt/denied/hello.sh
printf '#!/bin/sh\necho ran\n' >/opt/allowed/hello.sh
chmod +x /opt/denied/hello.sh /opt/allowed/hello.sh
c=$(head -c 200 /dev/zero | tr '\0' d)
LONG=/work/secrets LONGOK=/work/deep
for i in 1 2 3 4 5 6 7 8; do LONG=$LONG/$c LONGOK=$LONGOK/$c; done
mkdir -p "$LONG" "$LONGOK"
echo long >"$LONG/f"
echo "LEASH-INFO long_path_bytes=$(echo -n "$LONG/f" | wc -c)"
# A file whose path is longer than bpf_d_path's 4096-byte buffer: reached by relative steps.
mkdir -p /work/over
# Executable mappings: a dynamic loader and libc in /opt/lib (exec permitted), a dynamic
# program beside them, and a payload and a preload library in /work (no exec permit).
chmod 755 /opt/lib/* /opt/allowed/dyn /bin/mapprobe
mapprobe deep-make /work/over "$c" 21

mkfifo /tmp/ctl
exec 3<>/tmp/ctl
start=$(cut -d' ' -f1 /proc/uptime)
leash-helper manager --standalone --cgroup $CG --maps /maps.bin --mode enforce --ring-size 16384 \
  </tmp/ctl >/tmp/events.log 2>/tmp/helper.err 3>&- &
helper=$!
i=0
while ! grep -q helper.active /tmp/events.log && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
echo "LEASH-INFO helper_start_s=$start ready_s=$(cut -d' ' -f1 /proc/uptime)"

# enforce
case_run read_allowed $CG cat /work/a.txt
case_run write_denied_in_forbidden_subtree $CG sh -c 'echo x > /work/secrets/key'
case_run read_allowed_in_forbidden_subtree $CG cat /work/secrets/key
case_run write_allowed $CG sh -c 'echo y > /work/b.txt && cat /work/b.txt'
case_run passwd_denied $CG cat /etc/passwd
case_run passwd_x_allowed $CG cat /etc/passwd-x
case_run long_write_denied $CG sh -c "echo z > $LONG/f"
case_run long_read_allowed $CG cat "$LONG/f"
case_run long_write_allowed $CG sh -c "echo z > $LONGOK/f && echo done"
case_run exec_denied $CG /opt/denied/hello.sh
case_run exec_allowed $CG /opt/allowed/hello.sh
case_run exec_without_read_allowed $CG /opt/execonly/busybox echo ran
case_run read_of_execonly_denied $CG cat /opt/execonly/busybox
case_run overlong_read_outside - mapprobe deep-read /work/over "$c" 21
case_run overlong_read_denied $CG mapprobe deep-read /work/over "$c" 21
case_run dyn_allowed $CG /opt/allowed/dyn
ldso=$(echo /opt/lib/ld-linux-*) # x86-64 or aarch64
case_run loader_trick_outside - $ldso /work/payload
case_run loader_trick_denied $CG $ldso /work/payload
case_run preload_outside - env LD_PRELOAD=/work/preload.so /opt/allowed/dyn
case_run preload_denied $CG env LD_PRELOAD=/work/preload.so /opt/allowed/dyn
case_run mmap_exec_allowed $CG mapprobe mmap-exec /opt/allowed/dyn
case_run mmap_exec_denied $CG mapprobe mmap-exec /work/a.txt
case_run mprotect_exec_denied $CG mapprobe mprotect-exec /opt/allowed/dyn
case_run anon_exec_allowed $CG mapprobe anon-exec
case_run memfd_exec_denied $CG mapprobe memfd-exec
netprobe listen 127.0.0.1 15001 >/tmp/listen4.out 2>&1 3>&- &
sleep 0.3
case_run tcp4_denied $CG netprobe tcp 192.0.2.7 80
case_run tcp4_v4mapped_denied $CG netprobe tcp ::ffff:192.0.2.7 80
case_run tcp4_redirected $CG netprobe tcp 10.1.1.1 80
wait $! 2>/dev/null
echo "LEASH-CASE tcp4_listener rc=0 out=$(cat /tmp/listen4.out)"
ctl "orig 4 $(sed 's/.*://' /tmp/listen4.out)" helper.orig
netprobe listen ::1 15001 >/tmp/listen6.out 2>&1 3>&- &
sleep 0.3
case_run tcp6_denied $CG netprobe tcp 2001:db8::1 80
case_run tcp6_redirected $CG netprobe tcp 2001:db9::1 80
wait $! 2>/dev/null
echo "LEASH-CASE tcp6_listener rc=0 out=$(cat /tmp/listen6.out)"
ctl "orig 6 $(sed 's/.*://' /tmp/listen6.out)" helper.orig
netprobe udp-echo 127.0.0.1 15053 >/dev/null 2>&1 3>&- &
sleep 0.3
case_run dns_redirected $CG netprobe dns 8.8.8.8
case_run udp_other_denied $CG netprobe udp-send 1.2.3.4 9999
case_run raw_denied $CG netprobe raw
case_run packet_denied $CG netprobe packet
case_run outside_write_unaffected - sh -c 'echo outside > /work/secrets/key && echo wrote'
case_run outside_tcp_unaffected - netprobe tcp 192.0.2.7 80
case_run outside_exec_unaffected - /opt/denied/hello.sh
mkdir $CG/child
case_run child_write_denied $CG/child sh -c 'echo x > /work/secrets/key'
case_run child_exec_denied $CG/child /opt/denied/hello.sh
case_run child_tcp_denied $CG/child netprobe tcp 192.0.2.7 80

# runtime modes
ctl "mode shadow" helper.mode
case_run shadow_write_passes $CG sh -c 'echo shadow > /work/secrets/key && echo wrote'
case_run shadow_exec_passes $CG /opt/denied/hello.sh
ctl "mode record" helper.mode
case_run record_write_passes $CG sh -c 'echo record > /work/secrets/key && echo wrote'
ctl "mode enforce" helper.mode
case_run enforce_again_write_denied $CG sh -c 'echo x > /work/secrets/key'

# policy updates: a bad image is refused and changes nothing; a good one applies at once
ctl "maps /bad.bin" helper.error
case_run bad_image_keeps_policy $CG sh -c 'echo x > /work/secrets/key'
ctl "maps /maps2.bin" helper.policy
case_run updated_policy_write_passes $CG sh -c 'echo updated > /work/secrets/key && echo wrote'
ctl "bogus" helper.error

# ring buffer overflow: stop consuming, flood, resume; the drop counter must be reported
ctl "mode record" helper.mode
ctl pause helper.paused
case_run flood $CG sh -c 'i=0; while [ $i -lt 600 ]; do read x < /work/a.txt; i=$((i + 1)); done; echo flooded'
ctl resume helper.resumed
ctl drops kernel.drops

# teardown: stdin EOF detaches everything
ctl "mode enforce" helper.mode
exec 3>&-
i=0
while kill -0 $helper 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
case_run after_stop_write_passes $CG sh -c 'echo after > /work/secrets/key && echo wrote'

sed 's/^/LEASH-EVENT /' /tmp/events.log
head -c 4000 /tmp/helper.err | sed 's/^/LEASH-HELPER-STDERR /'
