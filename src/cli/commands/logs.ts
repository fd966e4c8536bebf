import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class LogsCommand extends TpodCommand {
  static override paths = [['logs'], ['container', 'logs']];
  static override usage = Command.Usage({
    description: 'Fetch the logs of one or more containers',
    details: `
      Prints what the containers wrote (stdout to stdout, stderr to stderr) from their
      log files, running or not. With several containers each line starts with the
      container's short ID (or name with --names). -f follows the log until the
      container exits.
    `,
    examples: [
      ['The last 10 lines', '$0 logs --tail 10 web'],
      ['Follow with timestamps', '$0 logs -f -t web'],
      ['What was said in the last 5 minutes', '$0 logs --since 5m web'],
    ],
  });

  follow = Option.Boolean('-f,--follow', false, { description: 'Follow log output' });
  tail = Option.String('--tail', { description: 'Output the specified number of lines at the end of logs (-1: all)' });
  since = Option.String('--since', { description: 'Show logs since TIMESTAMP (a time or a duration such as 10m)' });
  until = Option.String('--until', { description: 'Show logs until TIMESTAMP' });
  timestamps = Option.Boolean('-t,--timestamps', false, { description: 'Output the timestamps in the log' });
  names = Option.Boolean('-n,--names', false, { description: 'Output the container name in the log' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest container tpod is aware of' });
  containers = Option.Rest({ name: 'container' });

  async execute(): Promise<number> {
    const { UsageError, TpodError } = await import('../../errors.js');
    const { findContainer, listContainers } = await import('../../storage/containers.js');
    const { containerLogs, logsOptionsFromFlags } = await import('../../engine/logs.js');
    if (this.latest && this.containers.length > 0) throw new UsageError('--latest and containers cannot be used together');
    if (!this.latest && this.containers.length === 0) throw new UsageError('specify at least one container name or ID to log');
    const o = {
      ...logsOptionsFromFlags(this),
      ...(this.containers.length > 1 || this.names ? { prefix: this.names ? ('name' as const) : ('id' as const) } : {}),
    };
    const recs = [];
    let failed: InstanceType<typeof TpodError> | undefined;
    if (this.latest) {
      const all = listContainers(this.ctx);
      if (all.length === 0) throw new TpodError('ENOCONTAINER', 'no containers to get logs from: no such container');
      recs.push(all[all.length - 1]!);
    }
    for (const name of this.containers) {
      try {
        recs.push(findContainer(this.ctx, name));
      } catch (err) {
        if (!(err instanceof TpodError)) throw err;
        if (failed) process.stderr.write(`Error: ${failed.message}\n`);
        failed = err;
      }
    }
    // Backpressure: a reader slower than the log holds the reading back instead of
    // piling the log up in memory.
    const drained = (s: NodeJS.WriteStream): Promise<void> => (s.writableNeedDrain ? new Promise((r) => s.once('drain', () => r())) : Promise.resolve());
    const sink = {
      stdout: (t: string) => process.stdout.write(t),
      stderr: (t: string) => process.stderr.write(t),
      drained: async () => void (await Promise.all([drained(process.stdout), drained(process.stderr)])),
    };
    await Promise.all(recs.map((r) => containerLogs(this.ctx, r, o, sink)));
    if (failed) throw failed;
    return 0;
  }
}
