import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class DoctorCommand extends TpodCommand {
  static override paths = [['doctor'], ['system', 'doctor']];
  static override usage = Command.Usage({
    description: 'Check what rootless containers need from this host, and say how to fix what is missing',
    details:
      'Checks the subordinate id ranges, newuidmap/newgidmap, unprivileged user namespaces (including Ubuntu\'s AppArmor restriction), XDG_RUNTIME_DIR (and the su/sudo case), /dev/fuse and /dev/net/tun, native overlay or fuse-overlayfs, crun or runc (and hybrid cgroup hosts), the seccomp profile, pasta or slirp4netns, cgroup v2 delegation for resource limits, net.ipv4.ip_unprivileged_port_start, free space in storage, and what killed commands left behind. ' +
      'Each problem comes with the commands that fix it. Exits 0 when nothing stops containers from running (warnings are features missing), 1 otherwise.',
    examples: [['Check this host', '$0 doctor'], ['As data', '$0 doctor --format json']],
  });

  format = Option.String('-f,--format', { description: 'json: the findings as a JSON array' });

  async execute(): Promise<number> {
    const { gatherFacts } = await import('../../doctor/facts.js');
    const { runChecks, exitCodeOf } = await import('../../doctor/checks.js');
    const findings = runChecks(await gatherFacts());
    if (this.format === 'json') {
      this.print(JSON.stringify(findings, null, 4));
    } else if (this.format !== undefined && this.format !== '') {
      const { UsageError } = await import('../../errors.js');
      throw new UsageError(`unsupported --format "${this.format}": tpod doctor prints text or json`);
    } else {
      const mark = { ok: '[ ok ]', warn: '[warn]', fail: '[FAIL]' } as const;
      const lines: string[] = [];
      for (const f of findings) {
        lines.push(`${mark[f.status]} ${f.check}: ${f.message}`);
        for (const c of f.fix ?? []) lines.push(`         fix: ${c}`);
      }
      const fails = findings.filter((f) => f.status === 'fail').length;
      const warns = findings.filter((f) => f.status === 'warn').length;
      lines.push('', fails > 0 ? `${fails} problem${fails > 1 ? 's' : ''} stop${fails > 1 ? '' : 's'} containers from running; ${warns} warning${warns === 1 ? '' : 's'}` : `containers can run here; ${warns} warning${warns === 1 ? '' : 's'}`);
      this.print(lines.join('\n'));
    }
    return exitCodeOf(findings);
  }
}
