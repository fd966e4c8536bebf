import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class StartCommand extends TpodCommand {
  static override paths = [['start'], ['container', 'start']];
  static override usage = Command.Usage({
    description: 'Start one or more containers',
    details: `
      Starts created or exited containers under their monitor and prints each name as
      given. A running container is left as it is. With -a tpod stays attached to the
      (single) container's output and exits with its exit code; -i also forwards stdin.
      Detach with ctrl-p,ctrl-q (or --detach-keys); the container keeps running.
    `,
    examples: [
      ['Start a container', '$0 start web'],
      ['Start and attach', '$0 start -a -i mycontainer'],
    ],
  });

  attach = Option.Boolean('-a,--attach', false, { description: 'Attach container STDOUT and STDERR' });
  interactive = Option.Boolean('-i,--interactive', false, { description: 'Attach container STDIN' });
  detachKeys = Option.String('--detach-keys', { description: 'Key sequence for detaching a container (default ctrl-p,ctrl-q)' });
  sigProxy = Option.Boolean('--sig-proxy', true, { description: 'Proxy received signals to the container (with --attach)' });
  cidfile = Option.Array('--cidfile', [], { description: 'Read the container ID from the file' });
  all = Option.Boolean('--all', false, { description: 'Start all containers regardless of their state or configuration' });
  filter = Option.Array('-f,--filter', [], { description: 'Filter output based on conditions given (as ps --filter)' });
  containers = Option.Rest({ name: 'container' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    const { findContainer } = await import('../../storage/containers.js');
    const { startContainer: start } = await import('../../engine/start.js');
    const { TpodError, EXIT_ENGINE } = await import('../../errors.js');
    // A detached start that fails is an engine error (125) in Podman, even when the
    // runtime could not find or run the command (run exits 127 or 126 for those).
    const startContainer: typeof start = (ctx, id, ...rest) =>
      start(ctx, id, ...rest).catch((err: unknown) => {
        if (err instanceof TpodError && (err.code === 'ECMDNOTFOUND' || err.code === 'ECMDNOTEXEC')) {
          throw new TpodError(err.code, err.message, { cause: err, exitCode: EXIT_ENGINE });
        }
        throw err;
      });
    if (this.cidfile.length > 0) {
      const { readCidFiles } = await import('../../systemd/run-options.js');
      this.containers = [...this.containers, ...readCidFiles(this.cidfile, false)];
    }
    if (this.all && this.containers.length > 0) throw new UsageError('either start all containers or the container(s) provided in the arguments');
    if (!this.all && this.containers.length === 0) throw new UsageError('specify one or more containers to start');
    const attach = this.attach || this.interactive;
    if (attach && (this.all || this.filter.length > 0)) throw new UsageError('--all and --filter cannot be used with --attach');
    if (this.all || this.filter.length > 0) {
      // As Podman: --all prints the IDs it started, names print as given; running ones are skipped.
      const { startTargets } = await import('../../engine/start-targets.js');
      const targets = await startTargets(this.ctx, { all: this.all, names: this.containers, filters: this.filter });
      const { eachOnItsOwn } = await import('../../util/each.js');
      return eachOnItsOwn(targets, async (t) => {
        const r = await startContainer(this.ctx, t.id);
        if ('handle' in r) r.handle.release();
        this.print(t.given);
      });
    }
    if (attach) {
      if (this.containers.length > 1) throw new UsageError('you cannot start and attach multiple containers at once');
      const { startAttached } = await import('../../engine/start-attached.js');
      const rec = findContainer(this.ctx, this.containers[0]!);
      return startAttached(this.ctx, rec.id, { stdin: this.interactive, detachKeys: this.detachKeys, sigProxy: this.sigProxy });
    }
    const { forEachContainer } = await import('../each.js');
    return forEachContainer(this.ctx, this.containers, {}, async (rec, name) => {
      const r = await startContainer(this.ctx, rec.id);
      if ('handle' in r) r.handle.release();
      this.print(name);
    });
  }
}
