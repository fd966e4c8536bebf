#!/usr/bin/env bash
# Builds a tiny root filesystem tarball from the host's static busybox, so a first
# container (and the e2e tests, and the benchmark) need no registry and no network:
#
#   scripts/busybox-rootfs.sh OUT.tar
#   tpod import OUT.tar localhost/busybox:latest
#
# The tarball holds bin/busybox, one symlink per applet in bin/, a minimal etc/ and the
# usual empty directories, all owned by 0:0, with fixed timestamps so the same busybox
# always gives the same bytes (and the same layer digest). BUSYBOX=/path overrides
# which binary is used; it must be statically linked (the rootfs has no libc).
set -euo pipefail
umask 022

die() { echo "busybox-rootfs: $*" >&2; exit 1; }

[ $# -eq 1 ] && [ "$1" != "-h" ] && [ "$1" != "--help" ] || {
  echo "usage: $0 OUT.tar" >&2
  exit 2
}
out=$1

bb=${BUSYBOX:-}
if [ -z "$bb" ]; then
  for c in /bin/busybox /usr/bin/busybox /usr/sbin/busybox "$(command -v busybox 2>/dev/null || true)"; do
    if [ -n "$c" ] && [ -x "$c" ]; then bb=$c; break; fi
  done
fi
[ -n "$bb" ] || die "no busybox found; install busybox-static (Debian/Ubuntu) or busybox (Fedora)"
[ -x "$bb" ] || die "$bb is not executable"

# A dynamically linked busybox would fail inside the container with a confusing
# "no such file or directory" (its loader is missing), so refuse it here.
if LC_ALL=C ldd "$bb" >/dev/null 2>&1; then
  die "$bb is dynamically linked; install busybox-static (Debian/Ubuntu) or set BUSYBOX to a static busybox"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/busybox-rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,etc,dev,proc,sys,root,home,var/tmp,run,usr}
mkdir -m 1777 "$root/tmp"
chmod 1777 "$root/var/tmp"
chmod 700 "$root/root"

cp "$bb" "$root/bin/busybox"
chmod 755 "$root/bin/busybox"
# `busybox --list` prints applet names only; all of them go into bin/ so PATH=/bin works.
"$bb" --list | while IFS= read -r applet; do
  case $applet in
    ''|*/*|busybox) continue ;;
  esac
  ln -s busybox "$root/bin/$applet"
done
# Common absolute paths that scripts expect.
ln -s ../bin "$root/usr/bin"
ln -s bin "$root/sbin"

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
nogroup:x:65534:
EOF
: >"$root/etc/hosts"
: >"$root/etc/resolv.conf"
: >"$root/etc/hostname"

mkdir -p "$(dirname "$out")"
tmp_out="$out.tmp.$$"
# Plain ustar (no pax headers), entries named without a leading "./", sorted, owned
# by root, dated 1970: reproducible bytes for a given busybox binary.
(cd "$root" && LC_ALL=C ls -A) | LC_ALL=C sort >"$work/top"
tar -C "$root" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
  --format=ustar -cf "$tmp_out" -T "$work/top"
mv -f "$tmp_out" "$out"
echo "$out"
