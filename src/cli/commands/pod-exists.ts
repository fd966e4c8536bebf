import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PodExistsCommand extends TpodCommand {
  static override paths = [['pod', 'exists']];
  static override usage = Command.Usage({
    description: 'Check if a pod exists in local storage',
    details: 'Exits 0 when a pod with that name or ID exists, 1 when it does not; prints nothing.',
    examples: [['Check for a pod', '$0 pod exists web']],
  });

  pod = Option.String({ name: 'pod' });

  async execute(): Promise<number> {
    const { findPod } = await import('../../storage/pods.js');
    const { NoSuchPodError } = await import('../../errors.js');
    try {
      findPod(this.ctx, this.pod);
      return 0;
    } catch (err) {
      if (err instanceof NoSuchPodError) return 1;
      throw err;
    }
  }
}
