import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PodStopCommand extends TpodCommand {
  static override paths = [['pod', 'stop']];
  static override usage = Command.Usage({
    description: 'Stop one or more pods',
    details: `
      Stops the pod's containers (each with its stop signal, SIGKILL after the timeout),
      then its infra container, and prints each pod's ID. A pod that is not running is
      already stopped: that is not an error.
    `,
    examples: [
      ['Stop a pod', '$0 pod stop web'],
      ['Stop every pod without waiting', '$0 pod stop -a -t 0'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Stop all running pods' });
  ignore = Option.Boolean('-i,--ignore', false, { description: 'Ignore errors when a specified pod is missing' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest pod tpod is aware of' });
  podIdFile = Option.Array('--pod-id-file', { description: 'Read the pod ID from the file' });
  time = Option.String('-t,--time', { description: 'Seconds to wait for each container to stop before killing it (default: its stop timeout, 10)' });
  pods = Option.Rest({ name: 'pod' });

  async execute(): Promise<number> {
    const { podTargets, forEachPod, stopPod } = await import('../../pod/lifecycle.js');
    const { parseTimeout } = await import('../../runtime/lifecycle-options.js');
    const timeout = this.time === undefined ? undefined : parseTimeout(this.time, '--time');
    const targets = podTargets(this.ctx, { names: this.pods, all: this.all, latest: this.latest, podIdFiles: this.podIdFile ?? [], ignore: this.ignore }, 'stop');
    return forEachPod(this.ctx, targets, { ignore: this.ignore }, (pod) => stopPod(this.ctx, pod, timeout), (t) => this.print(t));
  }
}
