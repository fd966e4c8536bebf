// `tpod doctor`: what a rootless container engine needs from the host, checked one by
// one from facts gathered beforehand (src/doctor/facts.ts), so every verdict and every
// fix command is a pure function the tests feed. Each finding names the problem and the
// exact command that fixes it. "fail": containers cannot run (or not safely); "warn": a
// feature is missing (resource limits, privileged ports) but containers run.
import type { IdRange } from '../rootless/subid.js';
import type { CgroupLayout } from '../runtime/runtime.js';

export type Status = 'ok' | 'warn' | 'fail';

export interface Finding {
  check: string;
  status: Status;
  message: string;
  /** Commands that fix it, to run in order (sudo where root is needed). */
  fix?: string[];
}

export interface IdMapTool {
  tool: 'newuidmap' | 'newgidmap';
  path?: string;
  setuidRoot: boolean;
  /** getcap's words, when it has file capabilities. */
  caps?: string;
}

export interface DoctorFacts {
  user: { name: string; uid: number };
  subuid: IdRange[];
  subgid: IdRange[];
  /** Every range of every user (to suggest a free one). */
  allSubuid: IdRange[];
  allSubgid: IdRange[];
  idmapTools: IdMapTool[];
  devices: Array<{ path: string; exists: boolean; usable: boolean; why: string }>;
  runtimeDir: { xdg?: string; usable: boolean; problem?: string; fallback?: string; fallbackProblem?: string };
  /** /proc/self/loginuid (4294967295: no login session), SUDO_USER. */
  loginUid?: number;
  sudoUser?: string;
  userns: { works: boolean; detail?: string; maxUserNamespaces?: number; unprivilegedClone?: number; apparmorRestrict?: number };
  kernel: string;
  nativeOverlay: boolean;
  fuseOverlayfs?: string;
  storageDriver?: string;
  runtimes: { crun?: string; runc?: string };
  layout: CgroupLayout;
  /** cgroup v2 controllers delegated to the user (empty: none). */
  delegated: string[];
  unprivilegedPortStart: number;
  network: { pasta?: string; slirp4netns?: string };
  storage: { path: string; freeBytes?: number };
  seccomp: { path?: string; problem?: string };
  orphans?: { containers: string[]; netns: string[] } | undefined;
  orphansUnknown?: string;
}

const GiB = 1024 ** 3;

function size(n: number): string {
  return n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : `${Math.round(n / 1024 ** 2)} MiB`;
}

/** A 65536-id range starting after every range in use, on a 65536 boundary. */
export function freeRange(taken: IdRange[]): { start: number; end: number } {
  const top = taken.reduce((m, r) => Math.max(m, r.start + r.count), 100000);
  const start = top <= 100000 ? 100000 : Math.ceil(top / 65536) * 65536;
  return { start, end: start + 65535 };
}

function subids(f: DoctorFacts): Finding {
  const check = 'subordinate ids';
  const count = (rs: IdRange[]) => rs.reduce((n, r) => n + r.count, 0);
  const u = count(f.subuid);
  const g = count(f.subgid);
  if (u >= 65536 && g >= 65536) return { check, status: 'ok', message: `${f.user.name} has ${u} subordinate uids and ${g} gids in /etc/subuid and /etc/subgid` };
  const r = freeRange([...f.allSubuid, ...f.allSubgid]);
  const fix = [
    `sudo usermod --add-subuids ${r.start}-${r.end} --add-subgids ${r.start}-${r.end} ${f.user.name}`,
    'kill "$(cut -d" " -f1 "$XDG_RUNTIME_DIR/tpod/pause.pid")"   # after stopping your containers: the next command maps the new range',
  ];
  if (u === 0 || g === 0) {
    return { check, status: 'fail', message: `no range for ${f.user.name} in ${u === 0 ? '/etc/subuid' : '/etc/subgid'}: containers get a single-id mapping, and images with files owned by other users fail`, fix };
  }
  return { check, status: 'warn', message: `${f.user.name} has only ${u} subordinate uids and ${g} gids: images with ids of 65534 (nobody) or more fail`, fix };
}

function idmapTools(f: DoctorFacts): Finding[] {
  return f.idmapTools.map((t) => {
    const check = t.tool;
    if (!t.path) return { check, status: 'fail', message: `${t.tool} is not installed: user namespaces get no subordinate ids`, fix: ['sudo apt install uidmap   # Fedora: sudo dnf install shadow-utils'] };
    if (t.setuidRoot) return { check, status: 'ok', message: `${t.path} is setuid root` };
    if (t.caps) return { check, status: 'ok', message: `${t.path} has file capabilities (${t.caps})` };
    return { check, status: 'fail', message: `${t.path} is neither setuid root nor has file capabilities, so it cannot write id maps`, fix: [`sudo chmod u+s ${t.path}`] };
  });
}

function devices(f: DoctorFacts): Finding[] {
  return f.devices.map((d) => {
    const check = d.path;
    if (d.usable) return { check, status: 'ok', message: `${d.path} is usable (${d.why})` };
    if (!d.exists) return { check, status: 'warn', message: `${d.path} does not exist (${d.why})`, fix: [d.path === '/dev/fuse' ? 'sudo modprobe fuse' : 'sudo modprobe tun'] };
    return { check, status: 'warn', message: `${d.path} is not readable and writable by ${f.user.name} (${d.why}); distributions ship it 0666`, fix: [`sudo chmod 666 ${d.path}`] };
  });
}

function runtimeDir(f: DoctorFacts): Finding {
  const check = 'XDG_RUNTIME_DIR';
  const rd = f.runtimeDir;
  const viaSu = f.sudoUser !== undefined || (f.loginUid !== undefined && f.loginUid !== f.user.uid);
  const linger = [`sudo loginctl enable-linger ${f.user.name}`, `export XDG_RUNTIME_DIR=/run/user/${f.user.uid}`];
  if (rd.usable) return { check, status: 'ok', message: `${rd.xdg} belongs to ${f.user.name} and nobody else can write it` };
  const how = viaSu ? `; you seem to have become ${f.user.name} with su or sudo, which opens no login session (use "sudo machinectl shell ${f.user.name}@" or ssh instead)` : '';
  if (rd.fallbackProblem !== undefined) {
    return { check, status: 'fail', message: `${rd.problem}, and the fallback ${rd.fallback} ${rd.fallbackProblem}: tpod refuses to keep state there${how}`, fix: linger };
  }
  return { check, status: 'warn', message: `${rd.problem}: tpod keeps its state in ${rd.fallback} instead, which is gone at reboot and not cleaned at logout${how}`, fix: linger };
}

function userns(f: DoctorFacts): Finding {
  const check = 'user namespaces';
  const u = f.userns;
  if (u.works) return { check, status: 'ok', message: 'unprivileged user namespaces work' };
  const fix: string[] = [];
  if (u.maxUserNamespaces === 0) fix.push('sudo sysctl -w user.max_user_namespaces=15000', "echo 'user.max_user_namespaces=15000' | sudo tee /etc/sysctl.d/90-tpod-userns.conf");
  if (u.unprivilegedClone === 0) fix.push('sudo sysctl -w kernel.unprivileged_userns_clone=1', "echo 'kernel.unprivileged_userns_clone=1' | sudo tee /etc/sysctl.d/90-tpod-userns.conf");
  if (u.apparmorRestrict === 1) fix.push('sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0', "echo 'kernel.apparmor_restrict_unprivileged_userns=0' | sudo tee /etc/sysctl.d/90-tpod-userns.conf");
  const why = u.apparmorRestrict === 1 ? " (Ubuntu's AppArmor restricts them: kernel.apparmor_restrict_unprivileged_userns = 1)" : u.maxUserNamespaces === 0 ? ' (user.max_user_namespaces = 0)' : u.unprivilegedClone === 0 ? ' (kernel.unprivileged_userns_clone = 0)' : '';
  return { check, status: 'fail', message: `cannot create an unprivileged user namespace${why}${u.detail ? `: ${u.detail}` : ''}`, ...(fix.length ? { fix } : {}) };
}

function overlay(f: DoctorFacts): Finding {
  const check = 'storage driver';
  if (f.nativeOverlay) return { check, status: 'ok', message: `native overlay in the user namespace (Linux ${f.kernel})${f.storageDriver ? `; in use: ${f.storageDriver}` : ''}` };
  if (f.fuseOverlayfs) return { check, status: 'ok', message: `fuse-overlayfs (${f.fuseOverlayfs}); Linux ${f.kernel} has no rootless native overlay` };
  return { check, status: 'warn', message: `neither native rootless overlay (Linux ${f.kernel} < 5.11) nor fuse-overlayfs: containers use vfs, a full copy of the image each`, fix: ['sudo apt install fuse-overlayfs   # Fedora: sudo dnf install fuse-overlayfs'] };
}

function runtime(f: DoctorFacts): Finding {
  const check = 'OCI runtime';
  const hybridBusy = f.layout.mode === 'hybrid' && f.layout.unifiedControllers.length > 0;
  if (f.runtimes.crun && !hybridBusy) return { check, status: 'ok', message: `crun (${f.runtimes.crun})${f.runtimes.runc ? `; runc too (${f.runtimes.runc})` : ''}` };
  if (f.runtimes.runc) {
    const why = f.runtimes.crun && f.layout.mode === 'hybrid' ? `: crun refuses this hybrid cgroup host (cgroup v2 controllers ${f.layout.unifiedControllers.join(', ')} next to cgroup v1)` : '';
    return { check, status: 'ok', message: `runc (${f.runtimes.runc})${why}` };
  }
  if (f.runtimes.crun && f.layout.mode === 'hybrid') {
    const c = f.layout.unifiedControllers[0] ?? 'hugetlb';
    return {
      check, status: 'fail',
      message: `crun refuses this hybrid cgroup host (cgroup v2 controllers ${f.layout.unifiedControllers.join(', ')} at ${f.layout.unifiedPath} next to cgroup v1) and runc is not installed`,
      fix: ['sudo apt install runc   # Fedora: sudo dnf install runc', `# or move the controllers to cgroup v1: sudo mkdir -p /sys/fs/cgroup/${c} && sudo mount -t cgroup -o ${c} cgroup /sys/fs/cgroup/${c}`],
    };
  }
  return { check, status: 'fail', message: 'no OCI runtime: install crun or runc', fix: ['sudo apt install crun   # Fedora: sudo dnf install crun'] };
}

function cgroups(f: DoctorFacts): Finding {
  const check = 'resource limits';
  const want = ['cpu', 'memory', 'pids'];
  if (f.layout.mode === 'v2') {
    const missing = want.filter((c) => !f.delegated.includes(c));
    if (missing.length === 0) return { check, status: 'ok', message: `cgroup v2 controllers delegated to ${f.user.name}: ${f.delegated.join(' ')}` };
    return {
      check, status: 'warn',
      message: `cgroup v2 without the ${missing.join(', ')} controller${missing.length > 1 ? 's' : ''} delegated to ${f.user.name}: --memory, --cpus and --pids-limit are ignored`,
      fix: ['sudo mkdir -p /etc/systemd/system/user@.service.d', "printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' | sudo tee /etc/systemd/system/user@.service.d/delegate.conf", 'sudo systemctl daemon-reload', '# then log out and in again'],
    };
  }
  return {
    check, status: 'warn',
    message: `cgroup ${f.layout.mode === 'hybrid' ? 'v1/v2 hybrid' : 'v1'}: rootless containers get no resource limits (--memory, --cpus, --pids-limit are ignored)`,
    fix: ['# boot with cgroup v2 only: add systemd.unified_cgroup_hierarchy=1 to GRUB_CMDLINE_LINUX in /etc/default/grub, then', 'sudo update-grub && sudo reboot'],
  };
}

function ports(f: DoctorFacts): Finding {
  const check = 'privileged ports';
  if (f.unprivilegedPortStart <= 80) return { check, status: 'ok', message: `host ports from ${f.unprivilegedPortStart} up can be published` };
  return {
    check, status: 'warn',
    message: `host ports below ${f.unprivilegedPortStart} cannot be published (net.ipv4.ip_unprivileged_port_start = ${f.unprivilegedPortStart}); -p 8080:80 works, -p 80:80 does not`,
    fix: ['sudo sysctl -w net.ipv4.ip_unprivileged_port_start=80', "echo 'net.ipv4.ip_unprivileged_port_start=80' | sudo tee /etc/sysctl.d/90-tpod-ports.conf"],
  };
}

function network(f: DoctorFacts): Finding {
  const check = 'network helper';
  if (f.network.pasta) return { check, status: 'ok', message: `pasta (${f.network.pasta})${f.network.slirp4netns ? `; slirp4netns too` : ''}` };
  if (f.network.slirp4netns) return { check, status: 'ok', message: `slirp4netns (${f.network.slirp4netns})` };
  return { check, status: 'fail', message: 'neither pasta nor slirp4netns is installed: only --network none and host work', fix: ['sudo apt install passt   # Fedora: sudo dnf install passt'] };
}

function storage(f: DoctorFacts): Finding {
  const check = 'free space';
  const free = f.storage.freeBytes;
  if (free === undefined) return { check, status: 'warn', message: `cannot tell the free space of ${f.storage.path}` };
  if (free < 256 * 1024 ** 2) return { check, status: 'fail', message: `only ${size(free)} free for ${f.storage.path}: pulls and container writes will fail`, fix: ['tpod container prune && tpod image prune -a'] };
  if (free < 2 * GiB) return { check, status: 'warn', message: `only ${size(free)} free for ${f.storage.path}`, fix: ['tpod container prune && tpod image prune -a'] };
  return { check, status: 'ok', message: `${size(free)} free for ${f.storage.path}` };
}

function seccomp(f: DoctorFacts): Finding {
  const check = 'seccomp profile';
  if (f.seccomp.path) return { check, status: 'ok', message: `containers run under ${f.seccomp.path}` };
  return { check, status: 'fail', message: `${f.seccomp.problem ?? 'no seccomp profile'}: containers do not start (unless run with --security-opt seccomp=unconfined)`, fix: ['sudo apt install golang-github-containers-common   # Fedora: sudo dnf install containers-common'] };
}

function orphans(f: DoctorFacts): Finding {
  const check = 'leftovers';
  if (f.orphans === undefined) return { check, status: 'warn', message: `not checked: ${f.orphansUnknown ?? 'no storage yet'}` };
  const { containers, netns } = f.orphans;
  if (containers.length === 0 && netns.length === 0) return { check, status: 'ok', message: 'no process, mount or network helper left by a killed command' };
  const what = [
    ...(containers.length ? [`${containers.length} container${containers.length > 1 ? 's' : ''} with processes, mounts or runtime state no record accounts for (${containers.map((c) => c.slice(0, 12)).join(', ')})`] : []),
    ...(netns.length ? [`${netns.length} network namespace${netns.length > 1 ? 's' : ''} or helper${netns.length > 1 ? 's' : ''} of no container`] : []),
  ];
  return { check, status: 'warn', message: `left by killed commands: ${what.join('; ')}`, fix: ['tpod ps -a   # cleans them up'] };
}

export function runChecks(f: DoctorFacts): Finding[] {
  return [
    subids(f), ...idmapTools(f), userns(f), runtimeDir(f), ...devices(f), overlay(f), runtime(f), seccomp(f),
    network(f), cgroups(f), ports(f), storage(f), orphans(f),
  ];
}

/** 0 when nothing fails (warnings are features missing), 1 otherwise. */
export function exitCodeOf(findings: Finding[]): number {
  return findings.some((x) => x.status === 'fail') ? 1 : 0;
}
