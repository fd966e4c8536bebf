#!/usr/bin/env bash
# Prepares a machine for tpod's tests (run as root, idempotent): an unprivileged test
# user with subordinate id ranges and a runtime dir, device nodes that rootless
# networking and fuse-overlayfs need, and the cgroup quirk that keeps crun from
# running on hybrid hosts. The recipe is /work/shared/TESTBED.md; each step checks
# before it changes anything, so running this twice changes nothing the second time.
#
#   .ci/testbed.sh [USER]          (default: tpodtest; TPOD_TEST_USER works too)
set -euo pipefail

user=${1:-${TPOD_TEST_USER:-tpodtest}}
[ "$(id -u)" -eq 0 ] || { echo "testbed: run as root" >&2; exit 1; }

say() { printf 'testbed: %s\n' "$*"; }

# --- the test user
if ! id -u "$user" >/dev/null 2>&1; then
  useradd -m -s /bin/bash "$user"
  say "created user $user"
fi
uid=$(id -u "$user")
home=$(getent passwd "$user" | cut -d: -f6)
[ -d "$home" ] || { mkdir -p "$home"; chown "$user:" "$home"; chmod 755 "$home"; say "created $home"; }

# A free 65536-id range above every range already handed out (and above 100000).
next_free_start() {
  local file=$1
  awk -F: 'BEGIN { m = 100000 } NF >= 3 { e = $2 + $3; if (e > m) m = e } END { print m }' "$file" 2>/dev/null || echo 100000
}
for kind in uid gid; do
  file=/etc/sub$kind
  touch "$file"
  if grep -qE "^($user|$uid):" "$file"; then
    say "$file: $(grep -E "^($user|$uid):" "$file" | head -1)"
  else
    start=$(next_free_start "$file")
    echo "$user:$start:65536" >>"$file"
    say "$file: added $user:$start:65536"
  fi
done

# --- devices: distributions ship both 0666; some machines have them 0600
if [ ! -e /dev/net/tun ]; then
  mkdir -p /dev/net
  mknod -m 666 /dev/net/tun c 10 200
  say "created /dev/net/tun"
fi
for dev in /dev/fuse /dev/net/tun; do
  [ -e "$dev" ] || { say "warning: $dev missing (fuse-overlayfs will not work)"; continue; }
  if [ "$(stat -c %a "$dev")" != 666 ]; then
    chmod 666 "$dev"
    say "chmod 666 $dev"
  fi
done

# --- XDG_RUNTIME_DIR: no login manager makes it here
rt=/run/user/$uid
if [ ! -d "$rt" ]; then
  mkdir -p "$rt"
  say "created $rt"
fi
if [ "$(stat -c '%u %a' "$rt")" != "$uid 700" ]; then
  chown "$user:" "$rt"
  chmod 700 "$rt"
  say "$rt owned by $user, mode 0700"
fi

# --- hybrid cgroups: crun refuses a host where cgroup2 has controllers while v1 is in
# use. Binding such a controller to its own v1 hierarchy empties cgroup2. Never the
# memory controller: the machine's own supervisor uses the v1 memory hierarchy.
# TPOD_TESTBED_CGROUPS=0 leaves the host hybrid (to test tpod's runc fallback).
unified=/sys/fs/cgroup/unified
if [ "${TPOD_TESTBED_CGROUPS:-1}" = 0 ]; then
  say "cgroups left as they are (TPOD_TESTBED_CGROUPS=0)"
elif [ -f "$unified/cgroup.controllers" ] && [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ]; then
  for c in $(cat "$unified/cgroup.controllers"); do
    case $c in
      memory) say "warning: memory is on cgroup2 of a hybrid host; leaving it (crun will refuse, runc works)"; continue ;;
    esac
    dir=/sys/fs/cgroup/$c
    if mountpoint -q "$dir" 2>/dev/null; then continue; fi
    mkdir -p "$dir"
    if mount -t cgroup -o "$c" cgroup "$dir"; then
      say "bound the $c controller to a v1 hierarchy at $dir (crun accepts the host now)"
    else
      say "warning: could not move $c off cgroup2; crun will refuse this host, runc works"
    fi
  done
  left=$(cat "$unified/cgroup.controllers")
  [ -z "$left" ] || say "cgroup2 still has: $left"
fi

# --- a systemd user manager (test/e2e/systemd-user.ts): tests start their own
# `systemd --user` to run generated units. PID 1 here is not systemd; systemd runs as a
# user manager once /run/systemd/system exists and the user owns a cgroup v2 group, the
# one user@.service would get ("delegated"). Tests run inside it (.ci/user-cgroup.sh)
# and put each manager in a sub-group of it. TPOD_TESTBED_SYSTEMD=0 skips this.
if [ "${TPOD_TESTBED_SYSTEMD:-1}" = 0 ]; then
  say "systemd test bed skipped (TPOD_TESTBED_SYSTEMD=0)"
else
  if { [ ! -x /lib/systemd/systemd ] && [ ! -x /usr/lib/systemd/systemd ]; } || ! command -v dbus-daemon >/dev/null; then
    if command -v apt-get >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd dbus-daemon dbus-user-session </dev/null >/dev/null &&
        say "installed systemd and dbus" || say "warning: could not install systemd/dbus"
    elif command -v dnf >/dev/null; then
      dnf install -y -q systemd dbus-daemon </dev/null >/dev/null && say "installed systemd and dbus" || say "warning: could not install systemd/dbus"
    fi
  fi
  if [ ! -d /run/systemd/system ]; then
    mkdir -p /run/systemd/system
    say "created /run/systemd/system (systemd --user runs without systemd as PID 1)"
  fi
  unified=
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    unified=/sys/fs/cgroup
  elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
    unified=/sys/fs/cgroup/unified
  fi
  if [ -z "$unified" ]; then
    say "warning: no cgroup v2 hierarchy: systemd --user cannot run here"
  else
    group=$unified/user.slice/user-$uid.slice/user@$uid.service
    mkdir -p "$group"
    if [ "$(stat -c %u "$group")" != "$uid" ] || [ "$(stat -c %u "$group/cgroup.procs")" != "$uid" ]; then
      chown -R "$user:" "$group"
      say "delegated cgroup $group to $user"
    else
      say "delegated cgroup: $group"
    fi
  fi
fi

say "ready: user $user (uid $uid), XDG_RUNTIME_DIR=$rt"
