import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PodTopCommand extends TpodCommand {
  static override paths = [['pod', 'top']];
  static override usage = Command.Usage({
    description: 'Display the running processes of containers in a pod',
    details: `
      Lists the processes of every running container of the pod (the infra container
      included) from /proc; containers sharing a pid namespace are listed once.
      Descriptors after the pod choose the columns (psgo's, as Podman: user pid ppid pcpu
      etime tty time args comm group nice pgid rgroup ruser vsz rss state stime hpid huser
      hgroup, or AIX codes like %C %p). A pod with nothing running prints nothing.
    `,
    examples: [
      ['The default columns', '$0 pod top web'],
      ['Chosen columns', '$0 pod top web pid user args'],
    ],
  });

  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest pod tpod is aware of' });
  args = Option.Proxy({ name: 'POD [FORMAT-DESCRIPTORS|ARGS...]' });

  async execute(): Promise<number> {
    const { TpodError, UsageError, NoSuchPodError } = await import('../../errors.js');
    const ctx = this.ctx;
    const args = [...this.args];
    // The proxy takes everything after the path; flags come before the pod, as in Podman.
    let latest = this.latest;
    while (args[0] === '-l' || args[0] === '--latest') {
      latest = true;
      args.shift();
    }
    const { latestPod, podView } = await import('../../pod/state.js');
    let pod;
    if (latest) {
      pod = latestPod(ctx);
    } else {
      const name = args.shift();
      if (name === undefined) throw new UsageError('you must provide the name or id of a running pod');
      const { findPod } = await import('../../storage/pods.js');
      try {
        pod = findPod(ctx, name);
      } catch (err) {
        if (err instanceof NoSuchPodError) throw new TpodError('ENOPOD', `unable to look up requested container: ${err.message}`);
        throw err;
      }
    }
    const { podTop } = await import('../../pod/top.js');
    const table = podTop(ctx, podView(ctx, pod), args);
    if (!table) return 0;
    const { formatTable } = await import('../table.js');
    process.stdout.write(formatTable(table.headers, table.rows));
    return 0;
  }
}
