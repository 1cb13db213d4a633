# Control-mode cases for the kernel VM (sourced by scripts/kernel-vm/init.sh with busybox
# ash): ctlhost plays the host on /run/leash/*.sock, leash-helper runs as production starts
# it, and workloads in /sys/fs/cgroup/target show what kernel-lsm, cgroup-net and the relay
# do. Prints "LEASH-CASE name rc=N out=..." lines; ctlhost's output (control messages and
# relay headers as "LEASH-EVENT {json}") is printed at the end. /activate.json is the
# activate message manager_vm_test.ts encoded on the host. The VM has no kernel modules, so
# no udp_diag: the DNS case takes the relay's fallback (the one resolver all redirected
# sockets asked); the host test (manager_control_test.ts) takes the sock_diag path.
CG=/sys/fs/cgroup/target
mkdir -p $CG /run/leash /opt/denied
chmod 755 /bin/ctlhost /bin/relayprobe
printf '#!/bin/sh\necho ran\n' >/opt/denied/hello.sh
chmod +x /opt/denied/hello.sh

case_run() {
  name=$1
  shift
  out=$(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG" "$@" 2>&1)
  rc=$?
  echo "LEASH-CASE $name rc=$rc out=$(echo "$out" | tr '\n' ' ' | tail -c 300)"
}

# wait_for PATTERN: until a new line of ctlhost's output matches (at most 30 s).
wait_for() {
  i=0
  while ! grep -q "$1" /tmp/host.log && [ $i -lt 300 ]; do
    sleep 0.1
    i=$((i + 1))
  done
}

mkfifo /tmp/host.in
exec 3<>/tmp/host.in
ctlhost /run/leash </tmp/host.in >/tmp/host.log 2>&1 3>&- &
host=$!
while [ ! -S /run/leash/dns.sock ]; do sleep 0.05; done
leash-helper manager --control /run/leash/control.sock --proxy /run/leash/proxy.sock \
  --dns /run/leash/dns.sock 2>/tmp/manager.err 3>&- &
manager=$!
wait_for '"type":"hello"'
cat /activate.json >&3
wait_for '"type":"active"\|"type":"error"'

case_run exec_allowed /bin/echo hi
case_run exec_denied /opt/denied/hello.sh
case_run tcp_relayed relayprobe halfclose 1.2.3.4 80 ping4
case_run tcp6_relayed relayprobe halfclose 2001:db9::1 443 ping6
case_run tcp_forbidden relayprobe halfclose 192.0.2.7 443 x
case_run dns_relayed nslookup example.test 8.8.8.8

echo '{"type":"mode.set","mode":"record"}' >&3
wait_for '"type":"mode.updated","mode":"record"'
case_run exec_record /opt/denied/hello.sh
echo '{"type":"mode.set","mode":"enforce"}' >&3
wait_for '"type":"mode.updated","mode":"enforce"'
case_run exec_enforce_again /opt/denied/hello.sh

echo close >&3
wait $manager
echo "LEASH-CASE manager_exit rc=$? out=$(tail -c 200 /tmp/manager.err | tr '\n' ' ')"
case_run tcp_after_close relayprobe halfclose 1.2.3.4 80 x
case_run exec_after_close /opt/denied/hello.sh
kill $host
cat /tmp/host.log
