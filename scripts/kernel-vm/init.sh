#!/bin/sh
# /init of the kernel test VM: mounts what leash needs, brings lo up, runs /cases.sh
# (which prints "LEASH-" result lines), then powers off. Nothing here is test-specific.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mkdir -p /sys/fs/cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tmpfs tmpfs /tmp
ip link set lo up
echo "LEASH-BOOT kernel=$(uname -r) machine=$(uname -m) lsm=$(cat /sys/kernel/security/lsm 2>/dev/null)"
if [ -f /cases.sh ]; then
  . /cases.sh
else
  echo "LEASH-ERROR no /cases.sh in the initramfs"
fi
echo "LEASH-END"
sync
poweroff -f
