#!/usr/bin/env bash
# Runs a command as the test user inside that user's delegated cgroup v2 group (the one
# .ci/testbed.sh prepares, as user@.service would have), so tests can start their own
# `systemd --user` managers below it (test/e2e/systemd-user.ts). Run as root:
#
#   .ci/user-cgroup.sh USER CMD [ARGS...]
#
# A process may only be moved between cgroups by someone who may write the common
# ancestor's cgroup.procs: root moves this shell into the user's group, then becomes
# the user with runuser; everything the command starts stays below that group.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "user-cgroup: run as root" >&2; exit 1; }
[ $# -ge 2 ] || { echo "usage: $0 USER CMD [ARGS...]" >&2; exit 2; }
user=$1
shift
uid=$(id -u "$user")

unified=
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
  unified=/sys/fs/cgroup
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
  unified=/sys/fs/cgroup/unified
fi
group=${unified:+$unified/user.slice/user-$uid.slice/user@$uid.service}
if [ -n "$group" ] && [ -d "$group" ] && [ "$(stat -c %u "$group")" = "$uid" ]; then
  echo $$ >"$group/cgroup.procs"
else
  echo "user-cgroup: no delegated cgroup for $user (run .ci/testbed.sh); systemd tests will not run" >&2
fi
exec runuser -u "$user" -- "$@"
