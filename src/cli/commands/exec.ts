import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class ExecCommand extends TpodCommand {
  static override paths = [['exec'], ['container', 'exec']];
  static override usage = Command.Usage({
    description: 'Run a process in a running container',
    details: `
      Runs COMMAND inside the container with the container's environment, user and
      working directory unless -e, -u or -w say otherwise, and exits with its exit code
      (126 when it cannot be run, 127 when it is not found, 125 for other errors).
      Everything after the container is the command.
    `,
    examples: [
      ['A shell in a container', '$0 exec -it web sh'],
      ['As another user, elsewhere', '$0 exec -u nobody -w /tmp web id'],
    ],
  });

  interactive = Option.Boolean('-i,--interactive', false, { description: 'Keep STDIN open' });
  tty = Option.Boolean('-t,--tty', false, { description: 'Allocate a pseudo-TTY' });
  detach = Option.Boolean('-d,--detach', false, { description: 'Run the exec session in detached mode (backgrounded)' });
  env = Option.Array('-e,--env', { description: 'Set environment variables' });
  envFile = Option.Array('--env-file', { description: 'Read in a file of environment variables' });
  user = Option.String('-u,--user', { description: 'Sets the username or UID used and optionally the groupname or GID' });
  workdir = Option.String('-w,--workdir', { description: 'Working directory inside the container' });
  privileged = Option.Boolean('--privileged', false, { description: 'Give the process extended privileges (accepted for compatibility)' });
  container = Option.String({ name: 'container' });
  command = Option.Proxy({ name: 'command' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    const { findContainer } = await import('../../storage/containers.js');
    const { execInContainer } = await import('../../engine/exec.js');
    const { parseEnvEntry, parseEnvFile } = await import('../../runtime/options.js');
    const { readFileSync } = await import('node:fs');
    const { isatty } = await import('node:tty');
    if (this.workdir !== undefined && !this.workdir.startsWith('/')) throw new UsageError(`invalid --workdir "${this.workdir}": it must be an absolute path`);
    const env: Array<[string, string]> = [];
    for (const f of this.envFile ?? []) env.push(...parseEnvFile(readFileSync(f, 'utf8'), process.env));
    for (const e of this.env ?? []) env.push(...parseEnvEntry(e, process.env));
    const rec = findContainer(this.ctx, this.container);
    const r = await execInContainer(
      this.ctx,
      rec,
      {
        command: this.command,
        interactive: this.interactive,
        tty: this.tty,
        detach: this.detach,
        env,
        ...(this.user !== undefined ? { user: this.user } : {}),
        ...(this.workdir !== undefined ? { workdir: this.workdir } : {}),
      },
      isatty(0),
    );
    if (r.sessionId) this.print(r.sessionId);
    return r.code;
  }
}
