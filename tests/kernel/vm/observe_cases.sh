# Observe-layer cases run by the VM's /init (observe_vm_test.ts): the helper without kernel-lsm
# (--no-lsm, as on hosts whose kernel refuses BPF LSM), so the syscall observers report each
# open, exec and connect of the target cgroup at syscall exit with its real outcome. They read
# the syscall's number and arguments from its registers, which differ per architecture.
CG=/sys/fs/cgroup/target
mkdir -p $CG /work /opt/tools /ro
echo hello >/work/a.txt
printf '#!/bin/sh\necho ran "$@"\n' >/opt/tools/hello.sh
chmod +x /opt/tools/hello.sh
mount -t tmpfs -o ro tmpfs /ro

case_run() {
  name=$1
  shift
  out=$(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG" "$@" 2>&1)
  rc=$?
  echo "LEASH-CASE $name rc=$rc out=$(echo "$out" | tr '\n' ' ' | tail -c 300)"
}

mkfifo /tmp/ctl
exec 3<>/tmp/ctl
leash-helper manager --standalone --no-lsm --cgroup $CG --maps /maps.bin --mode enforce \
  --ring-size 16384 </tmp/ctl >/tmp/events.log 2>/tmp/helper.err 3>&- &
helper=$!
i=0
while ! grep -q helper.active /tmp/events.log && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done

case_run read_ok cat /work/a.txt
case_run write_erofs sh -c 'echo x > /ro/f'
case_run exec_argv /opt/tools/hello.sh one two
case_run exec_missing /opt/tools/missing
case_run connect_denied netprobe tcp 192.0.2.7 80

sleep 1
exec 3>&-
i=0
while kill -0 $helper 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sed 's/^/LEASH-EVENT /' /tmp/events.log
head -c 4000 /tmp/helper.err | sed 's/^/LEASH-HELPER-STDERR /'
