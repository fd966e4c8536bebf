#!/usr/bin/env bash
# Installs tpod from this checkout: system packages it needs, the bundled CLI and its
# native helpers, man pages, systemd user units for the Docker API; then checks the
# rootless prerequisites and runs a first container that needs no registry and no network.
#
#   ./install.sh [--prefix DIR] [--with-test-deps] [--no-system-packages] [--no-demo]
#
# Works as root or as a normal user (sudo is used only to install missing system
# packages). PREFIX defaults to /usr/local for root and ~/.local for everyone else.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: ./install.sh [options]

  --prefix DIR            install under DIR (default: /usr/local as root, ~/.local otherwise;
                          the PREFIX environment variable works too)
  --with-test-deps        also install what the test suite and the benchmark use:
                          docker-registry, skopeo, umoci, hyperfine, htpasswd, debootstrap, stress-ng, docker-compose, podman (same as
                          TPOD_TEST_DEPS=1)
  --no-system-packages    do not install system packages, only report what is missing
  --no-demo               do not run the first container at the end
  -h, --help              show this help
EOF
}

# ---------------------------------------------------------------- output helpers
if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' Y=$'\e[33m' R=$'\e[31m' N=$'\e[0m'; else B='' G='' Y='' R='' N=''; fi
step() { printf '%s==> %s%s\n' "$B" "$*" "$N"; }
ok() { printf '    %sok%s    %s\n' "$G" "$N" "$*"; }
warn() { printf '    %swarn%s  %s\n' "$Y" "$N" "$*"; }
advice() { printf '          %s\n' "$@"; }
die() { printf '%serror:%s %s\n' "$R" "$N" "$*" >&2; exit 1; }

# ---------------------------------------------------------------- options
with_test_deps=${TPOD_TEST_DEPS:-0}
[ "$with_test_deps" = 1 ] || with_test_deps=0
install_packages=1
run_demo=1
prefix=${PREFIX:-}
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --with-test-deps) with_test_deps=1; shift ;;
    --no-system-packages) install_packages=0; shift ;;
    --no-demo) run_demo=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$src"
[ -f package.json ] && [ -f scripts/build.mjs ] || die "run install.sh from a tpod checkout ($src has no package.json)"

euid=$(id -u)
if [ -z "$prefix" ]; then
  if [ "$euid" -eq 0 ]; then prefix=/usr/local; else prefix=$HOME/.local; fi
fi
case $prefix in /*) ;; *) prefix=$(pwd)/$prefix ;; esac

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$euid" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $*  (no sudo here; run it as root, then run ./install.sh again)"
  fi
}

# ---------------------------------------------------------------- system packages
os_id=unknown
os_like=
if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  os_id=$(. /etc/os-release && echo "${ID:-unknown}")
  os_like=$(. /etc/os-release && echo "${ID_LIKE:-}")
fi
pkg_tool=none
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  pkg_tool=apt
elif command -v dnf >/dev/null 2>&1; then
  pkg_tool=dnf
fi

# Package names per family. "build" covers a C compiler, make and libc headers.
# containers-common's seccomp profile (/usr/share/containers/seccomp.json) is the filter
# every container gets: Debian and Ubuntu name the package golang-github-containers-common.
if [ "$pkg_tool" = apt ]; then
  pkgs_build=(gcc make libc6-dev)
  pkgs_runtime=(uidmap fuse-overlayfs slirp4netns passt iproute2 iptables crun runc busybox-static catatonit zstd xz-utils bzip2 isal golang-github-containers-common)
  pkgs_test=(docker-registry skopeo umoci hyperfine apache2-utils debootstrap libcap2-bin python3 stress-ng time docker-compose)
  pkgs_optional=(podman)
else
  pkgs_build=(gcc make glibc-devel)
  pkgs_runtime=(shadow-utils fuse-overlayfs slirp4netns passt iproute iptables crun runc busybox catatonit zstd xz bzip2 containers-common)
  pkgs_test=(docker-distribution skopeo umoci hyperfine httpd-tools debootstrap libcap python3 stress-ng time docker-compose)
  pkgs_optional=(podman)
fi

pkg_installed() {
  case $pkg_tool in
    apt) [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ] ;;
    dnf) rpm -q "$1" >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

apt_updated=0
pkg_install() {
  [ $# -gt 0 ] || return 0
  case $pkg_tool in
    apt)
      # A fresh machine (or container image) may have no package lists yet.
      if [ "$apt_updated" = 0 ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
      fi
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
      ;;
    dnf) as_root dnf install -y -q "$@" </dev/null ;;
    *) return 1 ;;
  esac
}

node_major() {
  command -v node >/dev/null 2>&1 || { echo 0; return; }
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

# The Node.js the distribution would install, major version only (0 when unknown).
candidate_node_major() {
  case $pkg_tool in
    apt) apt-cache policy nodejs 2>/dev/null | sed -n 's/^ *Candidate: *\([0-9]*\).*/\1/p' | head -1 ;;
    dnf) dnf -q info --available nodejs 2>/dev/null | sed -n 's/^Version *: *\([0-9]*\).*/\1/p' | head -1 ;;
  esac
}

step "System packages ($os_id${os_like:+, like $os_like}; package tool: $pkg_tool)"
wanted=("${pkgs_build[@]}" "${pkgs_runtime[@]}")
[ "$with_test_deps" = 1 ] && wanted+=("${pkgs_test[@]}")
missing=()
if [ "$pkg_tool" = none ]; then
  warn "no apt-get or dnf here: install these yourself if they are missing: ${wanted[*]} nodejs (>= 20) npm"
else
  for p in "${wanted[@]}"; do pkg_installed "$p" || missing+=("$p"); done
fi

need_node=0
[ "$(node_major)" -ge 20 ] || need_node=1
if [ "$need_node" = 1 ] && [ "$pkg_tool" != none ]; then
  cand=$(candidate_node_major || true)
  if [ "${cand:-0}" -ge 20 ] 2>/dev/null; then
    missing+=(nodejs)
  else
    die "tpod needs Node.js >= 20 (found: $(node --version 2>/dev/null || echo none)) and $os_id offers nodejs ${cand:-?}.
       Install Node.js 20 or newer (e.g. from https://nodejs.org or NodeSource's packages), then run ./install.sh again."
  fi
fi

failed=()
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$install_packages" = 1 ]; then
    echo "    installing: ${missing[*]}"
    # One transaction first; if the distribution lacks one of them (older releases have
    # no passt or catatonit), install the rest one by one and say what is missing.
    if ! pkg_install "${missing[@]}"; then
      for p in "${missing[@]}"; do pkg_install "$p" >/dev/null 2>&1 || failed+=("$p"); done
    fi
    for p in "${missing[@]}"; do
      case " ${failed[*]} " in *" $p "*) warn "could not install $p" ;; *) ok "installed $p" ;; esac
    done
  else
    warn "missing (not installed because of --no-system-packages): ${missing[*]}"
  fi
else
  ok "all present: ${wanted[*]}"
fi
# Debian's nodejs comes without npm; NodeSource's bundles it (and conflicts with the
# npm package), so ask for npm only once nodejs is in place.
if ! command -v npm >/dev/null 2>&1 && [ "$pkg_tool" != none ] && [ "$install_packages" = 1 ]; then
  if pkg_install npm; then ok "installed npm"; else warn "could not install npm"; fi
fi
# Podman is only the side-by-side reference for the benchmark: nice to have.
if [ "$with_test_deps" = 1 ] && [ "$pkg_tool" != none ]; then
  for p in "${pkgs_optional[@]}"; do
    if pkg_installed "$p"; then
      ok "$p (optional) present"
    elif [ "$install_packages" = 1 ] && pkg_install "$p" >/dev/null 2>&1; then
      ok "installed $p (optional)"
    else
      warn "$p (optional) not installed: npm run bench will measure tpod alone"
    fi
  done
fi
[ "$(node_major)" -ge 20 ] || die "Node.js >= 20 is still missing (found: $(node --version 2>/dev/null || echo none))"
command -v npm >/dev/null 2>&1 || die "npm is missing"
command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || die "no C compiler (cc) found"
command -v make >/dev/null 2>&1 || die "make is missing"
command -v newuidmap >/dev/null 2>&1 || warn "newuidmap is missing: tpod will map only your own uid"
command -v crun >/dev/null 2>&1 || command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] ||
  warn "no OCI runtime (crun or runc): containers cannot run until one is installed"

# ---------------------------------------------------------------- build
step "Building tpod (npm ci, npm run build)"
# Never leave root-owned files in a normal user's checkout: when root runs this on a
# checkout someone else owns (sudo ./install.sh), build as that owner.
owner_uid=$(stat -c %u "$src")
as_owner() {
  if [ "$euid" -eq 0 ] && [ "$owner_uid" -ne 0 ]; then
    local owner
    owner=$(id -nu "$owner_uid")
    runuser -u "$owner" -- env HOME="$(getent passwd "$owner" | cut -d: -f6)" PATH="$PATH" "$@"
  else
    "$@"
  fi
}
npm_flags=(--no-audit --no-fund --no-update-notifier)
[ -n "${CI:-}" ] && npm_flags+=(--loglevel=error)
as_owner npm ci "${npm_flags[@]}" || die "npm ci failed (is the npm registry reachable?)"
as_owner npm run --silent build || die "npm run build failed"
[ -x dist/tpod.js ] && [ -x dist/tpod-helper ] || die "the build did not produce dist/tpod.js and dist/tpod-helper"
ok "built $(node dist/tpod.js --version 2>/dev/null || echo 'tpod (version unknown)')"

# ---------------------------------------------------------------- install
step "Installing into $prefix"
umask 022
libdir=$prefix/lib/tpod
bindir=$prefix/bin
mandir=$prefix/share/man/man1
maybe_root() {
  # Write as the user when the prefix is theirs; ask for root only when it is not.
  local probe=$prefix
  while [ ! -e "$probe" ]; do probe=$(dirname "$probe"); done
  if [ -w "$probe" ] && { [ ! -e "$libdir" ] || [ -w "$libdir" ]; }; then "$@"; else as_root "$@"; fi
}
# Stage next to the target, then swap, so a running tpod never sees a half-copied tree
# and chunks from an older build do not pile up. A script string rather than a
# function: sudo does not pass exported functions on.
install_tree='set -euo pipefail
umask 022
src=$1 libdir=$2 bindir=$3
stage=$libdir.new.$$ old=$libdir.old.$$
mkdir -p "$(dirname "$libdir")" "$bindir"
rm -rf "$stage"
mkdir -p "$stage"
# Everything the build put in dist/ but man pages and its launcher: tpod.js, chunks/,
# native helpers.
(cd "$src/dist" && find . -mindepth 1 -maxdepth 1 ! -name man ! -name tpod -exec cp -R {} "$stage/" \;)
chmod -R u+rwX,go+rX,go-w "$stage"
if [ -e "$libdir" ]; then mv "$libdir" "$old"; fi
mv "$stage" "$libdir"
rm -rf "$old"
# bin/tpod is a tiny launcher, not a symlink (scripts/launcher.mjs says why): it keeps
# NODE_EXTRA_CA_CERTS off start-up and starts from the V8 snapshot (tpod.blob).
node "$src/scripts/launcher.mjs" "$libdir" >"$bindir/tpod.new.$$"
chmod 755 "$bindir/tpod.new.$$"
mv -f "$bindir/tpod.new.$$" "$bindir/tpod"'
maybe_root bash -c "$install_tree" install-tree "$src" "$libdir" "$bindir"
ok "$libdir/ ($(cd "$libdir" && ls | tr '\n' ' '))"
ok "$bindir/tpod (launcher for $libdir/tpod.js)"

man_src=
for d in dist/man man; do
  if compgen -G "$d/*.1" >/dev/null; then man_src=$d; break; fi
done
if [ -n "$man_src" ]; then
  maybe_root mkdir -p "$mandir"
  maybe_root cp "$man_src"/*.1 "$mandir/"
  maybe_root chmod 644 "$mandir"/tpod*.1
  ok "man pages: $(ls "$man_src"/*.1 | wc -l) into $mandir"
else
  warn "no man pages in dist/man or man/ yet; skipped"
fi

tpod_bin=$bindir/tpod
"$tpod_bin" --version >/dev/null || die "the installed $tpod_bin does not start"
case ":$PATH:" in
  *":$bindir:"*) ;;
  *) warn "$bindir is not in your PATH; add it: export PATH=\"$bindir:\$PATH\"" ;;
esac

# Quadlet: the systemd user generator makes units from ~/.config/containers/systemd/*.container
# (and .volume, .network, .image, .pod) at every daemon-reload. System-wide, so root only;
# everyone else uses `tpod quadlet install`, which writes the units itself.
gendir=/usr/lib/systemd/user-generators
if [ "$euid" -eq 0 ] && [ -d /usr/lib/systemd ]; then
  mkdir -p "$gendir"
  sed -e "s|@TPOD@|'$tpod_bin'|" -e "s|@NODE_DIR@|'$(dirname "$(command -v node)")'|" \
    src/quadlet/user-generator.sh >"$gendir/tpod-user-generator.new.$$"
  chmod 755 "$gendir/tpod-user-generator.new.$$"
  mv -f "$gendir/tpod-user-generator.new.$$" "$gendir/tpod-user-generator"
  ok "$gendir/tpod-user-generator (Quadlet files become units on systemctl --user daemon-reload)"
  for g in /usr/lib/systemd/user-generators /usr/local/lib/systemd/user-generators /etc/systemd/user-generators; do
    if [ -e "$g/podman-user-generator" ]; then
      warn "Podman's $g/podman-user-generator reads the same Quadlet files; tpod's generator leaves them to it (tpod quadlet install writes tpod's units to ~/.config/systemd/user, which win)"
    fi
  done
fi

# The Docker API as systemd user units, as Podman's podman.socket and podman.service:
# the socket listens on $XDG_RUNTIME_DIR/tpod/tpod.sock and starts the service on the first
# connection; the service exits when idle. systemd --user reads PREFIX/lib/systemd/user for
# /usr and /usr/local, and $XDG_DATA_HOME/systemd/user (~/.local/share) for a user's own.
unit_searched=1
case $prefix in
  /usr|/usr/local) unitdir=$prefix/lib/systemd/user ;;
  "$HOME/.local")
    unitdir=$prefix/share/systemd/user
    [ -z "${XDG_DATA_HOME:-}" ] || [ "$XDG_DATA_HOME" = "$prefix/share" ] || unit_searched=0 ;;
  *) unitdir=$prefix/lib/systemd/user; unit_searched=0 ;;
esac
maybe_root "$(command -v node)" scripts/user-units.mjs "$tpod_bin" "$unitdir" >/dev/null
ok "$unitdir/tpod.socket and tpod.service (the Docker API: systemctl --user enable --now tpod.socket)"
if [ "$unit_searched" = 0 ]; then
  warn "systemd --user does not look in $unitdir; to use the units, link them:"
  advice "systemctl --user link $unitdir/tpod.socket $unitdir/tpod.service"
elif [ "$euid" -ne 0 ] && systemctl --user daemon-reload >/dev/null 2>&1; then
  ok "systemctl --user daemon-reload (your user manager sees the units now)"
fi

# ---------------------------------------------------------------- rootless checks
# tpod runs as a normal user. Check that user: the caller, or the user behind sudo.
target_user=
if [ "$euid" -ne 0 ]; then
  target_user=$(id -nu)
elif [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
  target_user=$SUDO_USER
fi

check_idmap_tool() {
  local tool=$1 path
  path=$(command -v "$tool" 2>/dev/null || true)
  if [ -z "$path" ]; then
    warn "$tool is missing: install uidmap (Debian/Ubuntu) or shadow-utils (Fedora)"
    return 1
  fi
  if [ -u "$path" ]; then
    ok "$path is setuid root"
  elif command -v getcap >/dev/null 2>&1 && getcap "$path" 2>/dev/null | grep -q 'cap_set[ug]id'; then
    ok "$path has file capabilities"
  else
    warn "$path is neither setuid nor has capabilities, so it cannot write id maps"
    advice "fix: sudo chmod u+s $path"
    return 1
  fi
}

check_subid() {
  local file=$1 user=$2 uid=$3 line
  line=$(grep -E "^($user|$uid):" "$file" 2>/dev/null | head -1 || true)
  if [ -n "$line" ]; then
    local count=${line##*:}
    if [ "$count" -ge 65536 ] 2>/dev/null; then
      ok "$file: $line"
    else
      warn "$file: $line gives fewer than 65536 ids; images with high uids (e.g. nobody=65534) will fail"
      advice "fix: sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $user"
    fi
  else
    warn "no entry for $user in $file: tpod falls back to a single-id mapping (only files owned by root in images work)"
    advice "fix: sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $user"
  fi
}

check_device() {
  local dev=$1 user=$2 why=$3
  if [ ! -e "$dev" ]; then
    warn "$dev does not exist ($why)"
    return
  fi
  if runas "$user" test -r "$dev" -a -w "$dev"; then
    ok "$dev is usable by $user"
  else
    warn "$dev is not readable and writable by $user ($why)"
    advice "fix: sudo chmod 666 $dev   (distributions ship it 0666)"
  fi
}

# Runs a command as the target user (we may be root acting for SUDO_USER).
runas() {
  local user=$1; shift
  if [ "$(id -nu)" = "$user" ]; then
    "$@"
  else
    local home
    home=$(getent passwd "$user" | cut -d: -f6)
    local uid
    uid=$(id -u "$user")
    local rt=
    [ -d "/run/user/$uid" ] && [ "$(stat -c %u "/run/user/$uid")" = "$uid" ] && rt=/run/user/$uid
    (cd / && runuser -u "$user" -- env HOME="$home" USER="$user" LOGNAME="$user" PATH="$bindir:$PATH" \
      ${rt:+XDG_RUNTIME_DIR=$rt} "$@")
  fi
}

step "Rootless prerequisites"
prereq_ok=1
if [ -z "$target_user" ]; then
  warn "running as root without SUDO_USER: skipping the per-user checks (tpod is rootless: run it as a normal user)"
else
  tuid=$(id -u "$target_user")
  check_subid /etc/subuid "$target_user" "$tuid"
  check_subid /etc/subgid "$target_user" "$tuid"
  check_idmap_tool newuidmap || prereq_ok=0
  check_idmap_tool newgidmap || prereq_ok=0
  check_device /dev/fuse "$target_user" "needed by fuse-overlayfs, used when native overlay is unavailable"
  check_device /dev/net/tun "$target_user" "needed by pasta and slirp4netns for container networking"
fi
userns_max=$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 1)
if [ "$userns_max" = 0 ]; then
  warn "user namespaces are disabled (user.max_user_namespaces = 0)"
  advice "fix: sudo sysctl -w user.max_user_namespaces=15000"
  prereq_ok=0
fi
if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 0 ]; then
  warn "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)"
  advice "fix: sudo sysctl -w kernel.unprivileged_userns_clone=1"
  prereq_ok=0
fi
if [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null || echo 0)" = 1 ]; then
  warn "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1)"
  advice "fix: add an AppArmor profile allowing userns for $libdir/tpod-helper, or sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"
  prereq_ok=0
fi
if command -v crun >/dev/null 2>&1 || command -v runc >/dev/null 2>&1; then
  ok "OCI runtime: $(for r in crun runc; do command -v $r >/dev/null 2>&1 && printf '%s ' "$r"; done)"
else
  warn "neither crun nor runc is installed"
  prereq_ok=0
fi
if [ -f /sys/fs/cgroup/unified/cgroup.controllers ] && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers)" ]; then
  warn "hybrid cgroups with controllers on cgroup2 ($(cat /sys/fs/cgroup/unified/cgroup.controllers)): crun refuses this host, tpod uses runc"
fi
[ -f /usr/share/containers/seccomp.json ] || [ -f /etc/containers/seccomp.json ] || {
  warn "no seccomp profile (/usr/share/containers/seccomp.json): containers do not start without one"
  advice "fix: install golang-github-containers-common (Debian, Ubuntu) or containers-common (Fedora)"
  prereq_ok=0
}
if [ -n "$target_user" ]; then
  advice "the full check, with a fix for each problem: tpod doctor"
fi

# ---------------------------------------------------------------- first container
demo_cmd="tpod run --rm localhost/busybox echo hello from tpod"
step "First container (offline): $demo_cmd"
if [ "$run_demo" = 0 ]; then
  warn "skipped (--no-demo)"
elif [ -z "$target_user" ]; then
  warn "skipped: tpod is rootless and this is root; as a normal user run:"
  advice "$src/scripts/busybox-rootfs.sh /tmp/busybox.tar" \
    "tpod import /tmp/busybox.tar localhost/busybox:latest" \
    "$demo_cmd"
elif [ "$prereq_ok" = 0 ]; then
  warn "skipped: fix the prerequisites above first"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/tpod-install.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  chmod 755 "$work"
  tarball=$work/busybox.tar
  "$src/scripts/busybox-rootfs.sh" "$tarball" >/dev/null
  chmod 644 "$tarball"
  # Running install.sh again must not pile up untagged copies of the same image.
  if runas "$target_user" "$tpod_bin" image exists localhost/busybox:latest >/dev/null 2>&1; then
    ok "localhost/busybox:latest is already there"
  elif ! out=$(runas "$target_user" "$tpod_bin" import "$tarball" localhost/busybox:latest 2>&1); then
    printf '%s\n' "$out" | sed 's/^/          /'
    die "tpod is installed, but importing the busybox rootfs failed (see above)"
  else
    ok "tpod import busybox.tar localhost/busybox:latest"
  fi
  if ! out=$(runas "$target_user" "$tpod_bin" run --rm localhost/busybox echo hello from tpod 2>&1); then
    printf '%s\n' "$out" | sed 's/^/          /'
    die "tpod is installed, but the first container failed (see above; TPOD_DEBUG=1 shows more)"
  fi
  printf '%s\n' "$out" | sed 's/^/          /'
  case $out in
    *"hello from tpod"*) ok "the first container ran as $target_user" ;;
    *) die "the first container ran but did not print 'hello from tpod'" ;;
  esac
fi

step "Done"
echo "    tpod: $tpod_bin (runs $libdir/tpod.js)"
echo "    try:  tpod run --rm -it localhost/busybox sh"
echo "    Docker API: systemctl --user enable --now tpod.socket; export DOCKER_HOST=unix://\$XDG_RUNTIME_DIR/tpod/tpod.sock"
