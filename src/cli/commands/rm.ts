import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class RmCommand extends TpodCommand {
  static override paths = [['rm'], ['container', 'rm'], ['container', 'remove']];
  static override usage = Command.Usage({
    description: 'Remove one or more containers',
    details: `
      Each container is handled on its own: the command removes what it can, prints each
      removed container as it was named, and fails for the rest (exit 1 when a container
      does not exist, unless \`--force\` or \`--ignore\` is given, 2 when it runs and \`--force\` was not given, 125 otherwise).
      \`--force\` stops a running container first: its stop signal, then SIGKILL after
      \`--time\` seconds (the container's stop timeout, 10, by default).
    `,
    examples: [
      ['Remove a container', '$0 rm web'],
      ['Stop and remove at once, without waiting', '$0 rm -f -t 0 web'],
      ['Remove every container', '$0 rm -af'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove all containers' });
  force = Option.Boolean('-f,--force', false, { description: 'Force removal of a running or unusable container' });
  depend = Option.Boolean('--depend', false, { description: 'Remove container and all containers that depend on the selected container' });
  ignore = Option.Boolean('-i,--ignore', false, { description: 'Ignore errors when a specified container is missing' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest container tpod is aware of' });
  time = Option.String('-t,--time', { description: 'Seconds to wait for stop before killing the container (default 10)' });
  cidfile = Option.Array('--cidfile', [], { description: 'Read the container ID from the file, and remove the file with the container (with --ignore, a missing file is no error)' });
  volumes = Option.Boolean('-v,--volumes', false, { description: 'Remove anonymous volumes associated with the container' });
  names = Option.Rest({ name: 'container' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    let cidFiles: string[] = [];
    if (this.cidfile.length > 0) {
      if (this.all || this.latest || this.names.length > 0) throw new UsageError('--cidfile cannot be used with --all, --latest or container names');
      const { readCidFiles } = await import('../../systemd/run-options.js');
      this.names = readCidFiles(this.cidfile, this.ignore);
      cidFiles = this.cidfile;
      if (this.names.length === 0) return 0;
    }
    if (this.all && (this.names.length > 0 || this.latest)) throw new UsageError('no arguments are needed with --all');
    if (this.latest && this.names.length > 0) throw new UsageError('--latest and containers cannot be used together');
    if (!this.all && !this.latest && this.names.length === 0) throw new UsageError('you must provide at least one name or id');
    let timeout: number | undefined;
    if (this.time !== undefined) {
      if (!/^\d+$/.test(this.time)) throw new UsageError(`invalid argument "${this.time}" for "-t, --time" flag: strconv.ParseUint: parsing "${this.time}": invalid syntax`);
      timeout = Number(this.time);
    }
    const remove = await import('../../engine/remove.js');
    const ctx = this.ctx;
    // As Podman: --force also ignores names that do not exist.
    const o = { force: this.force, depend: this.depend, timeout, volumes: this.volumes, ignore: this.ignore || this.force };
    let names = this.names;
    if (this.latest) {
      const { listContainers } = await import('../../storage/containers.js');
      const newest = listContainers(ctx).pop();
      names = newest ? [newest.id] : [];
    }
    const reports = this.all ? await remove.removeAll(ctx, o) : await remove.removeContainers(ctx, names, o);
    const { reportRemovals } = await import('../report.js');
    const code = reportRemovals(reports, (t) => this.print(t));
    if (cidFiles.length > 0 && reports.every((r) => !r.error)) (await import('../../systemd/run-options.js')).removeCidFiles(cidFiles);
    return code;
  }
}
