import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class TopCommand extends TpodCommand {
  static override paths = [['top'], ['container', 'top']];
  static override usage = Command.Usage({
    description: 'Display the running processes of a container',
    details: `
      Lists the processes in the container's pid namespace, read from /proc (nothing is
      started). Descriptors after the container choose the columns (psgo's, as Podman:
      user pid ppid pcpu etime tty time args comm group nice pgid rgroup ruser vsz rss
      state stime hpid huser hgroup, or AIX codes like %C %p); anything else is passed to
      ps(1) run inside the container.
    `,
    examples: [
      ['The default columns', '$0 top web'],
      ['Chosen columns', '$0 top web pid user args'],
      ['ps(1) of the container itself', '$0 top web -ef'],
    ],
  });

  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest container tpod is aware of' });
  args = Option.Proxy({ name: 'CONTAINER [FORMAT-DESCRIPTORS|ARGS...]' });

  async execute(): Promise<number> {
    const { TpodError, UsageError } = await import('../../errors.js');
    const { findContainer, listContainers } = await import('../../storage/containers.js');
    const ctx = this.ctx;
    let args = [...this.args];
    let nameOrId: string | undefined;
    if (this.latest) nameOrId = listContainers(ctx).pop()?.id;
    else nameOrId = args.shift();
    if (nameOrId === undefined) throw new UsageError('you must provide the name or id of a running container');
    let rec;
    try {
      rec = findContainer(ctx, nameOrId);
    } catch (err) {
      if (err instanceof TpodError && err.code === 'ENOCONTAINER') throw new TpodError('ENOCONTAINER', `unable to look up requested container: ${err.message}`);
      throw err;
    }
    const { liveState } = await import('../../engine/state.js');
    const ls = liveState(ctx, rec);
    if (ls.status !== 'running' || ls.pid === undefined) throw new TpodError('ERUNTIME', 'top can only be used on running containers');
    const top = await import('../../engine/top.js');
    const descriptors = top.parseDescriptors(args);
    if (descriptors === undefined) return this.psInContainer(ls.pid, args);
    const procs = top.containerProcesses(ls.pid);
    const { headers, rows } = top.topTable(procs, descriptors, top.topContext(ls.pid));
    const { formatTable } = await import('../table.js');
    process.stdout.write(formatTable(headers, rows));
    return 0;
  }

  /** Podman's fallback: ps(1) with the given arguments, in the container's namespaces. */
  private async psInContainer(pid: number, psArgs: string[]): Promise<number> {
    const { readlinkSync } = await import('node:fs');
    const { readPausePid } = await import('../../rootless/pause.js');
    const { runInNamespace } = await import('../../rootless/join.js');
    const { TpodError } = await import('../../errors.js');
    const ns = (p: number | undefined, kind: string): string | undefined => {
      try {
        return p === undefined ? undefined : readlinkSync(`/proc/${p}/ns/${kind}`);
      } catch {
        return undefined;
      }
    };
    // A keep-id container has a user namespace of its own, nested in the pause one.
    const ownUserns = ns(pid, 'user') !== ns(readPausePid(this.ctx), 'user');
    const nsenter = ['nsenter', '-t', String(pid), ...(ownUserns ? ['-U', '--preserve-credentials'] : []), '-m', '-p', '--', 'ps', ...psArgs];
    const r = await runInNamespace(this.ctx, [], nsenter, { capture: true });
    process.stdout.write(r.stdout);
    if (r.code !== 0) {
      throw new TpodError('ERUNTIME', `ps(1) failed with exit code ${r.code}, output: ${(r.stdout + r.stderr).trim()}`);
    }
    return 0;
  }
}
