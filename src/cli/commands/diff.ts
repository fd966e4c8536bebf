import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class DiffCommand extends TpodCommand {
  static override paths = [['diff'], ['container', 'diff'], ['image', 'diff']];
  static override usage = Command.Usage({
    description: "Display the changes to the object's file system",
    details: `
      Lists what a container changed over its image (A added, C changed, D deleted), or,
      for an image, what its top layer changed over the layers below. \`--format json\`
      prints {"changed": [...], "added": [...], "deleted": [...]}.
    `,
    examples: [
      ['What a container changed', '$0 diff web'],
      ['As JSON', '$0 diff --format json web'],
    ],
  });

  format = Option.String('--format', { description: 'Change the output format (json)' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest container tpod is aware of' });
  type = Option.String('--type', { description: 'Type of object: container, image or all (default)' });
  names = Option.Rest({ name: 'CONTAINER|IMAGE' });

  async execute(): Promise<number> {
    const { UsageError, TpodError } = await import('../../errors.js');
    const { diffContainer, diffImage } = await import('../../engine/diff.js');
    let name = this.names[0];
    if (this.latest) {
      if (this.names.length > 0) throw new UsageError('--latest and containers cannot be used together');
      const { listContainers } = await import('../../storage/containers.js');
      const all = listContainers(this.ctx);
      name = all[all.length - 1]?.id;
      if (name === undefined) throw new TpodError('ENOCONTAINER', 'no containers to diff: no such container');
    }
    if (name === undefined || this.names.length > 1) throw new UsageError('tpod diff takes exactly one container or image');
    const kind = this.type ?? (this.path[0] === 'image' ? 'image' : this.path[1] === 'diff' && this.path[0] === 'container' ? 'container' : 'all');
    if (!['container', 'image', 'all'].includes(kind)) throw new UsageError(`invalid type "${kind}": must be container, image or all`);
    let report;
    if (kind === 'image') report = await diffImage(this.ctx, name);
    else {
      try {
        report = await diffContainer(this.ctx, name);
      } catch (err) {
        if (kind === 'container' || !(err instanceof TpodError) || err.code !== 'ENOCONTAINER') throw err;
        report = await diffImage(this.ctx, name).catch((e: unknown) => {
          if (e instanceof TpodError && e.code === 'ENOIMAGE') throw new TpodError('ENOCONTAINER', `${name} not found: no such container or image`);
          throw e;
        });
      }
    }
    if (this.format === 'json') {
      const json: Record<string, string[]> = {};
      for (const k of ['changed', 'added', 'deleted'] as const) if (report[k].length > 0) json[k] = report[k];
      this.print(JSON.stringify(json));
      return 0;
    }
    if (this.format !== undefined && this.format !== '') throw new UsageError(`only json is supported as a --format of diff, not "${this.format}"`);
    const rows = [...report.changed.map((p) => ['C', p]), ...report.added.map((p) => ['A', p]), ...report.deleted.map((p) => ['D', p])].sort((a, b) => (a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : 0));
    if (rows.length > 0) this.print(rows.map((r) => `${r[0]} ${r[1]}`).join('\n'));
    return 0;
  }
}
