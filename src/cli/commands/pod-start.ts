import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PodStartCommand extends TpodCommand {
  static override paths = [['pod', 'start']];
  static override usage = Command.Usage({
    description: 'Start one or more pods',
    details: `
      Starts the pod's infra container, then every container of the pod that is not
      running, and prints each pod's ID. A container that fails to start does not keep
      the others from starting; the failures are reported afterwards.
    `,
    examples: [
      ['Start a pod', '$0 pod start web'],
      ['Start every pod', '$0 pod start --all'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Start all pods' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest pod tpod is aware of' });
  podIdFile = Option.Array('--pod-id-file', { description: 'Read the pod ID from the file' });
  pods = Option.Rest({ name: 'pod' });

  async execute(): Promise<number> {
    const { podTargets, forEachPod, startPod } = await import('../../pod/lifecycle.js');
    const targets = podTargets(this.ctx, { names: this.pods, all: this.all, latest: this.latest, podIdFiles: this.podIdFile ?? [] }, 'start');
    return forEachPod(this.ctx, targets, {}, (pod) => startPod(this.ctx, pod), (t) => this.print(t));
  }
}
