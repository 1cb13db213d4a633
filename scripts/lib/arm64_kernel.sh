# Debian 12's arm64 kernel 6.12 (linux-image-6.12-arm64's image package), unpacked under build/
# rather than installed: a foreign kernel in /boot would be picked by the x86 VM and by
# update-grub. Not linux-image-arm64 (6.1): on arm64 BPF LSM programs attach through ftrace
# direct calls, which arm64 has only since 6.4, so 6.1 refuses them (ENOTSUPP, 524).
# Sourced after common.sh. Used by scripts/build-native --update-vmlinux (its BTF) and
# scripts/kernel-vm/run with LEASH_VM_ARCH=aarch64 (the kernel it boots, with an arm64 busybox).

ARM64_KERNEL_META=linux-image-6.12-arm64

# arm64_kernel_dir: prints the directory holding boot/vmlinuz-<ver>-arm64 and
# boot/config-<ver>-arm64, downloading and unpacking the package the first time.
arm64_kernel_dir() {
  ensure_packages dpkg-dev >&2
  local pkg cache dir deb
  # The image package the meta package depends on names the exact version.
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    [ "$(id -u)" = 0 ] || die "Cannot fetch Debian's arm64 kernel: run once as root: dpkg --add-architecture arm64 && apt-get update"
    dpkg --add-architecture arm64 && apt-get update -qq >&2
  fi
  pkg=$(apt-cache depends "$ARM64_KERNEL_META:arm64" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$pkg" ] || { apt-get update -qq >&2 || true; pkg=$(apt-cache depends "$ARM64_KERNEL_META:arm64" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'); }
  [ -n "$pkg" ] || die "Cannot find Debian's arm64 kernel: apt-cache knows no $ARM64_KERNEL_META:arm64 (run apt-get update)"
  cache="$ROOT/build/kernel-arm64"
  dir="$cache/${pkg%%:*}"
  if ! ls "$dir"/boot/vmlinuz-* >/dev/null 2>&1; then
    say "leash: fetching $pkg (unpacked into $dir, not installed)"
    mkdir -p "$cache"
    rm -rf "$dir" "$dir.tmp" "$cache"/*.deb
    (cd "$cache" && apt-get download "$pkg" >&2 2>/dev/null) || die "Cannot download $pkg with apt-get download"
    deb=$(ls "$cache"/*.deb | head -n 1)
    dpkg-deb -x "$deb" "$dir.tmp" && rm -f "$deb" && mv "$dir.tmp" "$dir" || die "Cannot unpack $deb into $dir"
  fi
  printf '%s\n' "$dir"
}

# arm64_busybox: prints the path of an aarch64 busybox (busybox-static:arm64, unpacked under
# build/: installing it would replace this machine's own busybox-static).
arm64_busybox() {
  local dir="$ROOT/build/busybox-arm64" deb
  if [ ! -x "$dir/bin/busybox" ]; then
    say "leash: fetching busybox-static:arm64 (unpacked into $dir, not installed)"
    mkdir -p "$ROOT/build"
    rm -rf "$dir" "$dir.dl" && mkdir -p "$dir.dl"
    (cd "$dir.dl" && apt-get download busybox-static:arm64 >&2 2>/dev/null) ||
      die "Cannot download busybox-static:arm64 with apt-get download (dpkg --add-architecture arm64 && apt-get update first)"
    deb=$(ls "$dir.dl"/*.deb | head -n 1)
    dpkg-deb -x "$deb" "$dir" && rm -rf "$dir.dl" || die "Cannot unpack $deb into $dir"
  fi
  printf '%s\n' "$dir/bin/busybox"
}
