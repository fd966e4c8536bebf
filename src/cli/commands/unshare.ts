import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class UnshareCommand extends TpodCommand {
  static override paths = [['unshare']];
  static override usage = Command.Usage({
    description: 'Run a command in a modified user namespace',
    details: `
      Runs COMMAND (by default your shell) inside the user and mount namespaces tpod uses
      for containers: you are uid 0 there, files owned by your subordinate ids can be
      changed, and mounted container filesystems are visible. Exits with COMMAND's status.
    `,
    examples: [
      ['Open a shell in the namespace', 'tpod unshare'],
      ['Show the id mappings', 'tpod unshare cat /proc/self/uid_map'],
    ],
  });

  command = Option.Proxy();

  async execute(): Promise<number> {
    const { runInNamespace, insideNamespace, IN_USERNS_ENV } = await import('../../rootless/join.js');
    const cmd = this.command.length > 0 ? this.command : [process.env.SHELL || '/bin/sh'];
    const env = {
      ...process.env,
      TPOD_ROOT: this.ctx.paths.root,
      TPOD_RUNROOT: this.ctx.paths.runroot,
      // Podman sets these; scripts written for `podman unshare` read them.
      CONTAINERS_GRAPHROOT: this.ctx.paths.root,
      CONTAINERS_RUNROOT: this.ctx.paths.runroot,
      // tpod run there (mount, volume mount, ...) is inside the namespace already.
      [IN_USERNS_ENV]: '1',
    };
    if (insideNamespace()) {
      // Already inside: just run it.
      const { spawnSync } = await import('node:child_process');
      const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: 'inherit', env });
      return r.status ?? 125;
    }
    const r = await runInNamespace(this.ctx, [], cmd, { env });
    return r.code;
  }
}
