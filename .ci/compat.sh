#!/usr/bin/env bash
# Runs the Podman 4.3.1 system-test files listed in .ci/compat-floor.txt against a tpod
# binary, through the project's harness (podman-system-tests, see its README), and fails
# when a file passes fewer tests than its floor. Run as root (the harness prepares the
# machine, then runs the tests as the test user).
#   .ci/compat.sh [TPOD_BIN]          default: /usr/local/bin/tpod
# TPOD_COMPAT_DIR: where the harness is (default: ../shared/compat beside the checkout,
# then /work/shared/compat). TPOD_COMPAT_STATE / TPOD_COMPAT_PORT: its state dir and
# registry port (defaults below keep CI apart from engineers' runs).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-/usr/local/bin/tpod}
dir=${TPOD_COMPAT_DIR:-}
if [ -z "$dir" ]; then
  for d in "$repo/../shared/compat" /work/shared/compat; do [ -x "$d/podman-system-tests" ] && { dir=$d; break; }; done
fi
[ -n "$dir" ] && [ -x "$dir/podman-system-tests" ] ||
  { echo ".ci/compat.sh: no podman-system-tests harness found (set TPOD_COMPAT_DIR)" >&2; exit 1; }
export TPOD_COMPAT_STATE=${TPOD_COMPAT_STATE:-/var/tmp/tpod-compat-ci} TPOD_COMPAT_PORT=${TPOD_COMPAT_PORT:-5058}

declare -A floor
files=()
while read -r f n; do
  case $f in ''|'#'*) continue;; esac
  floor[$f]=$n; files+=("$f")
done < "$repo/.ci/compat-floor.txt"

out=$(mktemp /tmp/tpod-compat-ci.XXXXXX)
trap 'rm -f "$out"' EXIT
"$dir/podman-system-tests" --bin "$bin" "${files[@]}" | tee "$out"
status=0
for f in "${files[@]}"; do
  got=$(sed -n "s/^tpod $f: pass=\([0-9]*\) .*/\1/p" "$out")
  if [ -z "$got" ] || [ "$got" -lt "${floor[$f]}" ]; then
    echo ".ci/compat.sh: $f passed ${got:-nothing}, its floor is ${floor[$f]} (TAP output: $TPOD_COMPAT_STATE/results/tpod-$f.tap)" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "compat: every file at or above its floor"
exit "$status"
