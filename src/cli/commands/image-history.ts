import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

const DEFAULT = '{{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';

/** One row of `history`, with the fields Podman's templates know. */
export class HistoryRow {
  constructor(
    readonly ID: string,
    readonly Created: string,
    readonly CreatedAt: Date | string,
    readonly CreatedSince: string,
    readonly CreatedBy: string,
    readonly Size: string,
    readonly Comment: string,
    readonly Tags: string[],
  ) {}
}

/** `--format json`: Podman's field names and order (comment left out when empty). */
class HistoryJson {
  readonly id: string;
  readonly created: string;
  readonly CreatedBy: string;
  readonly size: number;
  readonly comment?: string;
  readonly Created: string;
  constructor(id: string, created: string, by: string, size: number, comment: string, createdShort: string) {
    this.id = id;
    this.created = created;
    this.CreatedBy = by;
    this.size = size;
    if (comment !== '') this.comment = comment;
    this.Created = createdShort;
  }
}

export class ImageHistoryCommand extends TpodCommand {
  static override paths = [['history'], ['image', 'history']];
  static override usage = Command.Usage({
    description: 'Show history of a specified image',
    details: `
      One row per step that built the image, newest first: the layer size it added, the
      command that made it and its comment. A row names an image ID where a stored image
      ends with that step's layers, \`<missing>\` otherwise. \`--format\` takes \`json\`,
      \`table ...\` or a Go template over .ID .Created .CreatedAt .CreatedSince .CreatedBy
      .Size .Comment .Tags.
    `,
    examples: [
      ['Show the history of an image', '$0 history busybox'],
      ['Dates in RFC 3339 instead of "2 hours ago"', '$0 history -H=false busybox'],
    ],
  });

  human = Option.String('-H,--human', { tolerateBoolean: true, description: 'Display sizes and dates in human readable format (default true; -H=false for RFC 3339 dates)' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not truncate the output' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Display the numeric IDs only' });
  format = Option.String('--format', { description: 'Change the output to JSON or a Go template' });
  image = Option.String({ name: 'image' });

  async execute(): Promise<number> {
    const { imageHistory } = await import('../../image/history.js');
    const { humanSize, timeAgo } = await import('../../util/units.js');
    const { UsageError } = await import('../../errors.js');
    const h = this.human;
    if (h !== undefined && typeof h !== 'boolean' && !['true', 'false', '1', '0'].includes(h)) throw new UsageError(`invalid argument "${h}" for "-H, --human" flag: strconv.ParseBool: parsing "${h}": invalid syntax`);
    const human = h === undefined || h === true || h === 'true' || h === '1';
    const { entries } = await imageHistory(this.ctx, this.image);
    const shortId = (id: string): string => (this.noTrunc || id === '<missing>' ? id : id.slice(0, 12));
    if (this.quiet) {
      if (entries.length > 0) this.print(entries.map((e) => shortId(e.id)).join('\n'));
      return 0;
    }
    const now = Date.now();
    const rfc3339 = (d: Date | undefined): string => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : '0001-01-01T00:00:00Z');
    const rows = entries.map((e) => {
      let by = e.createdBy;
      if (!this.noTrunc && by.length > 45) by = `${by.slice(0, 42)}...`;
      const since = e.created ? timeAgo(e.created.getTime(), now) : 'Unknown';
      return new HistoryRow(
        shortId(e.id),
        human ? since : rfc3339(e.created),
        // Go prints the time to the second here.
        e.created ? new Date(Math.floor(e.created.getTime() / 1000) * 1000) : new Date(-62135596800000),
        since,
        by,
        // Podman keeps sizes human even with -H=false.
        humanSize(e.size),
        e.comment,
        [],
      );
    });
    const json = entries.map((e) => new HistoryJson(e.id, e.createdText ?? '0001-01-01T00:00:00Z', e.createdBy, e.size, e.comment, rfc3339(e.created)));
    const { printList } = await import('../table.js');
    printList(rows, { format: this.format, defaultFormat: DEFAULT, headers: { CreatedBy: 'CREATED BY' }, json, jsonIndent: 0, name: 'history' });
    return 0;
  }
}
