import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PodRmCommand extends TpodCommand {
  static override paths = [['pod', 'rm'], ['pod', 'remove']];
  static override usage = Command.Usage({
    description: 'Remove one or more stopped pods and containers',
    details: `
      Removes each pod with all its containers and prints its ID. A pod with a running
      container is refused (nothing of it is removed) unless \`--force\` is given, which
      stops the containers first (SIGKILL after \`--time\` seconds). Exit 1 when a pod
      does not exist, 125 for other failures.
    `,
    examples: [
      ['Remove a stopped pod', '$0 pod rm web'],
      ['Stop and remove every pod at once', '$0 pod rm -af -t 0'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove all pods' });
  force = Option.Boolean('-f,--force', false, { description: 'Stop running containers and remove the pod' });
  ignore = Option.Boolean('-i,--ignore', false, { description: 'Ignore errors when a specified pod is missing' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest pod tpod is aware of' });
  podIdFile = Option.Array('--pod-id-file', { description: 'Read the pod ID from the file' });
  time = Option.String('-t,--time', { description: 'Seconds to wait for each container to stop before killing it (with --force)' });
  pods = Option.Rest({ name: 'pod' });

  async execute(): Promise<number> {
    const { podTargets } = await import('../../pod/lifecycle.js');
    const { parseTimeout } = await import('../../runtime/lifecycle-options.js');
    const timeout = this.time === undefined ? undefined : parseTimeout(this.time, '--time');
    const o = { force: this.force, ignore: this.ignore || this.force, ...(timeout !== undefined ? { timeout } : {}) };
    const { removePods } = await import('../../pod/remove.js');
    const targets = podTargets(this.ctx, { names: this.pods, all: this.all, latest: this.latest, podIdFiles: this.podIdFile ?? [], ignore: this.ignore || this.force }, 'remove');
    const reports = await removePods(this.ctx, targets, this.all ? { ...o, ignore: true } : o);
    const { reportRemovals } = await import('../report.js');
    return reportRemovals(
      reports.map((r) => ({ input: r.id ?? r.input, ...(r.error ? { error: r.error } : {}) })),
      (t) => this.print(t),
    );
  }
}
