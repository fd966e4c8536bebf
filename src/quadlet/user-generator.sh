#!/bin/sh
# tpod's systemd user generator: makes units from Quadlet files (.container, .volume,
# .network, .image, .pod) at every start and daemon-reload of a user manager.
# install.sh (run as root) installs it as /usr/lib/systemd/user-generators/tpod-user-generator
# from src/quadlet/user-generator.sh, filling in the path of tpod and of node.
#
# systemd runs it with three output directories (normal, early, late); the units go to
# the first. Generators run on every reload, so without a Quadlet directory it is done
# before Node would even start.
tpod=@TPOD@
[ -x "$tpod" ] || exit 0
if [ -z "${HOME:-}" ]; then
  HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
  export HOME
fi
found=
if [ -n "${QUADLET_UNIT_DIRS:-}" ]; then
  found=1
else
  for d in "${XDG_RUNTIME_DIR:-/nonexistent}/containers/systemd" "${XDG_CONFIG_HOME:-$HOME/.config}/containers/systemd" /etc/containers/systemd/users; do
    if [ -d "$d" ]; then
      found=1
      break
    fi
  done
fi
[ -n "$found" ] || exit 0
# Podman's own generator reads the same files and makes units of the same names: where
# it is installed, the Quadlet files are its (tpod quadlet install still writes tpod's
# units to ~/.config/systemd/user, which come first).
for g in /run/systemd/user-generators /etc/systemd/user-generators /usr/local/lib/systemd/user-generators /usr/lib/systemd/user-generators; do
  if [ -e "$g/podman-user-generator" ]; then
    echo "tpod-user-generator: $g/podman-user-generator makes the units of Quadlet files here; leaving them to it" >&2
    exit 0
  fi
done
PATH=@NODE_DIR@:${PATH:-/usr/local/bin:/usr/bin:/bin}
export PATH
exec "$tpod" quadlet generate --user --tpod "$tpod" "$@"
