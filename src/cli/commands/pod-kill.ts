import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PodKillCommand extends TpodCommand {
  static override paths = [['pod', 'kill']];
  static override usage = Command.Usage({
    description: 'Send the specified signal or SIGKILL to containers in a pod',
    details: `
      Sends the signal (SIGKILL unless -s says otherwise) to every running container of
      the pod, its infra included, and prints each pod's ID. Restart policies do not
      restart a killed container.
    `,
    examples: [
      ['Kill a pod', '$0 pod kill web'],
      ['Ask every container of a pod to reload', '$0 pod kill -s HUP web'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Kill all containers in all pods' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest pod tpod is aware of' });
  signal = Option.String('-s,--signal', 'KILL', { description: 'Signal to send to the containers in the pod' });
  pods = Option.Rest({ name: 'pod' });

  async execute(): Promise<number> {
    const { parseSignal } = await import('../../runtime/lifecycle-options.js');
    const sig = parseSignal(this.signal);
    const { podTargets, forEachPod, killPod } = await import('../../pod/lifecycle.js');
    const targets = podTargets(this.ctx, { names: this.pods, all: this.all, latest: this.latest }, 'kill');
    return forEachPod(this.ctx, targets, {}, (pod) => killPod(this.ctx, pod, sig), (t) => this.print(t));
  }
}
