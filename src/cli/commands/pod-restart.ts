import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PodRestartCommand extends TpodCommand {
  static override paths = [['pod', 'restart']];
  static override usage = Command.Usage({
    description: 'Restart one or more pods',
    details: `
      Stops the pod's containers and its infra, then starts them again (the infra first),
      and prints each pod's ID.
    `,
    examples: [['Restart a pod', '$0 pod restart web']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Restart all pods' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest pod tpod is aware of' });
  pods = Option.Rest({ name: 'pod' });

  async execute(): Promise<number> {
    const { podTargets, forEachPod, restartPod } = await import('../../pod/lifecycle.js');
    const targets = podTargets(this.ctx, { names: this.pods, all: this.all, latest: this.latest }, 'restart');
    return forEachPod(this.ctx, targets, {}, (pod) => restartPod(this.ctx, pod), (t) => this.print(t));
  }
}
