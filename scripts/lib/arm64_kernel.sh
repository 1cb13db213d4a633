# Debian's arm64 kernel (linux-image-arm64's image package), unpacked under build/ rather than
# installed: a foreign kernel in /boot would be picked by the x86 VM and by update-grub.
# Sourced after common.sh. Used by scripts/build-native --update-vmlinux (its BTF) and
# scripts/kernel-vm/run-arm64 (the kernel it boots).

# arm64_kernel_dir: prints the directory holding boot/vmlinuz-<ver>-arm64 and
# boot/config-<ver>-arm64, downloading and unpacking the package the first time.
arm64_kernel_dir() {
  ensure_packages dpkg-dev >&2
  local pkg cache dir deb
  # The image package linux-image-arm64 depends on names the exact version.
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    [ "$(id -u)" = 0 ] || die "Cannot fetch Debian's arm64 kernel: run once as root: dpkg --add-architecture arm64 && apt-get update"
    dpkg --add-architecture arm64 && apt-get update -qq >&2
  fi
  pkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$pkg" ] || { apt-get update -qq >&2 || true; pkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'); }
  [ -n "$pkg" ] || die "Cannot find Debian's arm64 kernel: apt-cache knows no linux-image-arm64:arm64 (run apt-get update)"
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
