import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PodLogsCommand extends TpodCommand {
  static override paths = [['pod', 'logs']];
  static override usage = Command.Usage({
    description: 'Fetch logs for pod with one or more containers',
    details: `
      Prints what the pod's containers wrote (stdout to stdout, stderr to stderr) from
      their log files, merged in time order. When the pod has several containers each line
      starts with the container's short ID, or its name with --names; -c picks one
      container. -f follows the logs until the containers exit.
    `,
    examples: [
      ['Every container of the pod', '$0 pod logs web'],
      ['One container, the last 10 lines', '$0 pod logs -c web-app --tail 10 web'],
      ['Follow, with container names', '$0 pod logs -f --names web'],
    ],
  });

  container = Option.String('-c,--container', { description: 'Filter logs by container name or id which belongs to pod' });
  follow = Option.Boolean('-f,--follow', false, { description: 'Follow log output' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest pod tpod is aware of' });
  names = Option.Boolean('-n,--names', false, { description: 'Output container names instead of container IDs in the log' });
  since = Option.String('--since', { description: 'Show logs since TIMESTAMP (a time or a duration such as 10m)' });
  until = Option.String('--until', { description: 'Show logs until TIMESTAMP' });
  tail = Option.String('--tail', { description: 'Output the specified number of LINES at the end of the logs (-1: all)' });
  timestamps = Option.Boolean('-t,--timestamps', false, { description: 'Output the timestamps in the log' });
  pods = Option.Rest({ name: 'pod' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (this.pods.length > 1) throw new UsageError('requires exactly 1 arg');
    if (this.latest && this.pods.length > 0) throw new UsageError('--latest and pods cannot be used together');
    if (!this.latest && this.pods.length === 0) throw new UsageError('specify at least one pod name or ID to log');
    const { logsOptionsFromFlags } = await import('../../engine/logs.js');
    const o = logsOptionsFromFlags(this);
    const ctx = this.ctx;
    const { latestPod } = await import('../../pod/state.js');
    const { findPod, podMembers } = await import('../../storage/pods.js');
    const podArg = this.pods[0];
    const pod = podArg === undefined ? latestPod(ctx) : findPod(ctx, podArg);
    const { podLogs, podLogTargets } = await import('../../pod/logs.js');
    const targets = podLogTargets(podMembers(ctx, pod), podArg ?? pod.name, { container: this.container, names: this.names });
    const sink = { stdout: (t: string) => process.stdout.write(t), stderr: (t: string) => process.stderr.write(t) };
    await podLogs(ctx, targets, o, sink);
    return 0;
  }
}
