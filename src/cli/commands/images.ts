import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

const DEFAULT = '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}';
const WITH_DIGESTS = '{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.Created}}\t{{.Size}}';

export class ImagesCommand extends TpodCommand {
  static override paths = [['images'], ['image', 'ls'], ['image', 'list']];
  static override usage = Command.Usage({
    description: 'List images in local storage',
    details: `
      One row per image name (\`<none>\` for an image without one), newest first.
      \`--format\` takes \`json\`, \`table ...\` or a Go template over the row fields
      (.Repository .Tag .ID .Id .Digest .Created .CreatedAt .Size .Names .Labels ...).
      Filters: dangling=true|false, reference=PATTERN, label=KEY[=VALUE], label!=KEY[=VALUE],
      id=ID, containers=true|false, until=TIMESTAMP|DURATION,
      before=IMAGE, since=IMAGE.
    `,
    examples: [
      ['List images', '$0 images'],
      ['Only IDs', '$0 images -q'],
      ['Custom columns', "$0 images --format 'table {{.Repository}} {{.Size}}'"],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Show all images (default hides intermediate images)' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Display only image IDs' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not truncate output' });
  digests = Option.Boolean('--digests', false, { description: 'Show digests' });
  format = Option.String('--format', { description: "Change the output format to JSON or a Go template" });
  noHeading = Option.Boolean('-n,--noheading', false, { description: 'Do not print column headings' });
  filter = Option.Array('-f,--filter', [], { description: 'Filter output based on conditions provided (default [])' });
  sort = Option.String('--sort', 'created', { description: 'Sort by created, id, repository, size, tag' });
  image = Option.String({ required: false, name: 'image' });

  async execute(): Promise<number> {
    const { listImageRows } = await import('../../image/list.js');
    const rows = await listImageRows(this.ctx, { filters: this.filter, reference: this.image, sort: this.sort, noTrunc: this.noTrunc, all: this.all });
    if (this.quiet) {
      const seen = new Set<string>();
      const ids = rows.map((r) => r.ID).filter((id) => !seen.has(id) && (seen.add(id), true));
      if (ids.length > 0) this.print(ids.join('\n'));
      return 0;
    }
    const { printList } = await import('../table.js');
    printList(rows, {
      format: this.format,
      defaultFormat: this.digests ? WITH_DIGESTS : DEFAULT,
      headers: { ID: 'IMAGE ID' },
      noHeading: this.noHeading,
      json: rows.map((r) => r.json),
      jsonIndent: 4,
      name: 'images',
    });
    return 0;
  }
}
