import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PodPruneCommand extends TpodCommand {
  static override paths = [['pod', 'prune']];
  static override usage = Command.Usage({
    description: 'Remove all stopped pods and their containers',
    details: `
      Removes every pod whose status is Stopped or Exited (no container running, at least
      one exited), with its containers, and prints the pod IDs. A pod that never ran
      (Created) is kept. Asks first unless \`--force\`.
    `,
    examples: [['Remove stopped pods without asking', '$0 pod prune -f']],
  });

  force = Option.Boolean('-f,--force', false, { description: 'Do not prompt for confirmation' });

  async execute(): Promise<number> {
    if (!this.force) {
      process.stdout.write('WARNING! This will remove all stopped/exited pods..\nAre you sure you want to continue? [y/N] ');
      const { readAnswer } = await import('../prompt.js');
      if (!/^y/i.test((await readAnswer()).trim())) return 0;
    }
    const { prunePods } = await import('../../pod/prune.js');
    const { removePod } = await import('../../pod/remove.js');
    const reports = await prunePods(this.ctx, (ctx, pod) => removePod(ctx, pod, { force: false }));
    const done = reports.filter((r) => !r.error).map((r) => r.id);
    if (done.length > 0) this.print(done.join('\n'));
    const failed = reports.flatMap((r) => (r.error ? [r.error] : []));
    const last = failed.pop();
    for (const e of failed) process.stderr.write(`Error: ${e.message}\n`);
    if (last) throw last;
    return 0;
  }
}
