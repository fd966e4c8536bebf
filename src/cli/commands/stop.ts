import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class StopCommand extends TpodCommand {
  static override paths = [['stop'], ['container', 'stop']];
  static override usage = Command.Usage({
    description: 'Stop one or more containers',
    details: `
      Sends each container its stop signal (--stop-signal, else the image's StopSignal,
      else SIGTERM), waits up to the timeout (--stop-timeout of the container, 10 seconds
      by default, or -t), then sends SIGKILL. Prints each name as given. A container that
      is not running is already stopped: that is not an error.
    `,
    examples: [
      ['Stop a container', '$0 stop web'],
      ['Stop every running container at once', '$0 stop -a -t 0'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Stop all running containers' });
  ignore = Option.Boolean('-i,--ignore', false, { description: 'Ignore errors when a specified container is missing' });
  time = Option.String('-t,--time', { description: 'Seconds to wait for stop before killing the container' });
  // Podman's hidden spelling of --time.
  timeoutAlias = Option.String('--timeout', { hidden: true, description: 'The same as --time' });
  cidfile = Option.Array('--cidfile', [], { description: 'Read the container ID from the file (with --ignore, a missing file is no error)' });
  containers = Option.Rest({ name: 'container' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    const { readCidFiles } = await import('../../systemd/run-options.js');
    const fromFiles = readCidFiles(this.cidfile, this.ignore);
    if (this.cidfile.length > 0 && !this.all && this.containers.length === 0) {
      if (fromFiles.length === 0) return 0;
      this.containers = fromFiles;
    } else if (this.cidfile.length > 0) throw new UsageError('--cidfile cannot be used with --all or container names');
    if (this.all === (this.containers.length > 0)) throw new UsageError(this.all ? '--all and container names cannot be used together' : 'specify one or more containers to stop, or --all');
    const { parseTimeout } = await import('../../runtime/lifecycle-options.js');
    const given = this.time ?? this.timeoutAlias;
    const timeout = given === undefined ? undefined : parseTimeout(given, '--time');
    const { stopContainer } = await import('../../engine/stop.js');
    const { forEachContainer, runningTargets } = await import('../each.js');
    const targets = this.all ? await runningTargets(this.ctx) : this.containers;
    return forEachContainer(this.ctx, targets, { ignoreMissing: this.ignore }, async (rec, given) => {
      await stopContainer(this.ctx, rec.id, timeout === undefined ? {} : { timeout });
      this.print(given);
    });
  }
}
