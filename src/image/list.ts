// The rows of `tpod images`: one per name, filtered and sorted as Podman does, each
// carrying the fields templates use and the JSON object `--format json` prints.
import type { Context } from '../engine/context.js';
import { TpodError, UsageError } from '../errors.js';
import { timeAgo, humanSize } from '../util/units.js';
import { listImages, imageUsers, resolveImage, readImageConfig, type StoredImage } from './store.js';
import { imageRows, summaryJson, imageSize, createdSeconds, type ImageRow, type ImageSummaryJson } from './inspect.js';
import { parseReference, splitStoredName } from './reference.js';
import { intermediateImages } from './intermediate.js';
import type { ImageConfig } from './types.js';

export class ImageListRow {
  constructor(
    readonly Repository: string,
    readonly Tag: string,
    readonly ID: string,
    readonly Id: string,
    readonly Digest: string,
    readonly Created: string,
    readonly CreatedAt: Date,
    readonly CreatedSince: string,
    readonly Size: string,
    readonly VirtualSize: number,
    readonly SharedSize: number,
    readonly Names: string[],
    readonly History: string,
    readonly Labels: Map<string, string>,
    readonly Containers: number,
    readonly Dangling: boolean,
    readonly ReadOnly: boolean,
    readonly RepoTags: string[],
    readonly RepoDigests: string[],
    readonly ParentId: string,
    readonly json: ImageSummaryJson,
    readonly image: StoredImage,
  ) {}
}

export interface ListOptions {
  filters: string[];
  /** `tpod images NAME`: only rows whose name matches. */
  reference?: string | undefined;
  sort: string;
  noTrunc: boolean;
  /** -a: intermediate images too (untagged images with a child). */
  all?: boolean | undefined;
}

function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\[!/g, '[^');
  return new RegExp(`^${re}$`);
}

/** Does a row's name answer to a reference (a name, short name, or glob pattern)? */
export function rowMatchesReference(name: string | undefined, pattern: string): boolean {
  if (name === undefined) return false;
  const { repository, tag } = splitStoredName(name);
  if (/[*?[]/.test(pattern)) {
    const re = globToRegExp(pattern);
    const forms = [name, repository];
    const parts = repository.split('/');
    for (let i = 1; i < parts.length; i++) {
      const short = parts.slice(i).join('/');
      forms.push(short, `${short}:${tag}`);
    }
    return forms.some((f) => re.test(f));
  }
  let ref;
  try {
    ref = parseReference(pattern);
  } catch {
    return false;
  }
  if (ref.tag !== undefined && ref.tag !== tag) return false;
  if (ref.domain !== undefined) {
    const path = ref.domain === 'docker.io' && !ref.path.includes('/') ? `library/${ref.path}` : ref.path;
    return repository === `${ref.domain}/${path}`;
  }
  return repository === ref.path || repository.endsWith(`/${ref.path}`);
}

type RowFilter = (row: ImageRow, name: string | undefined) => boolean;

async function buildFilters(ctx: Context, filters: string[], images: StoredImage[], intermediate: Set<string>): Promise<RowFilter[]> {
  const out: RowFilter[] = [];
  const refs: string[] = [];
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = eq >= 0 ? f.slice(0, eq) : f;
    const value = eq >= 0 ? f.slice(eq + 1) : '';
    switch (key) {
      case 'dangling': {
        // Podman's own wording (its arguments are swapped).
        if (value !== 'true' && value !== 'false') throw new UsageError(`non-boolean value "dangling" for ${value} filter: strconv.ParseBool: parsing "${value}": invalid syntax`);
        const want = value === 'true';
        // libimage's dangling: untagged and without a child (an intermediate image is not).
        out.push((r) => (r.image.names.length === 0 && !intermediate.has(r.image.id)) === want);
        break;
      }
      case 'reference':
        refs.push(value);
        break;
      case 'id':
        out.push((r) => r.image.id.startsWith(value.replace(/^sha256:/, '')));
        break;
      case 'containers': {
        if (value !== 'true' && value !== 'false') throw new UsageError(`non-boolean value "containers" for ${value} filter: strconv.ParseBool: parsing "${value}": invalid syntax`);
        const want = value === 'true';
        out.push((r) => (r.containers > 0) === want);
        break;
      }
      case 'until': {
        const { parseUntil } = await import('./prune.js');
        const t = parseUntil(value, Date.now());
        out.push((r) => createdSeconds(r.image) * 1000 < t);
        break;
      }
      case 'label!': {
        const [k, v] = value.includes('=') ? [value.slice(0, value.indexOf('=')), value.slice(value.indexOf('=') + 1)] : [value, undefined];
        out.push((r) => !(r.labels !== null && k in r.labels && (v === undefined || r.labels[k] === v)));
        break;
      }
      case 'label': {
        const [k, v] = value.includes('=') ? [value.slice(0, value.indexOf('=')), value.slice(value.indexOf('=') + 1)] : [value, undefined];
        out.push((r) => r.labels !== null && k in r.labels && (v === undefined || r.labels[k] === v));
        break;
      }
      case 'before':
      case 'since':
      case 'after': {
        // after= is Podman's other name for since=.
        const other = resolveImage(images, value);
        if (!other) throw new TpodError('ENOIMAGE', `could not find local image for filter filter "${key}"="${value}": ${value}: image not known`);
        const t = createdSeconds(other.image);
        out.push(key === 'before' ? (r) => createdSeconds(r.image) < t : (r) => createdSeconds(r.image) > t);
        break;
      }
      case 'readonly':
        out.push(() => value === 'false');
        break;
      case 'intermediate': {
        if (value !== 'true' && value !== 'false') throw new UsageError(`non-boolean value "intermediate" for ${value} filter: strconv.ParseBool: parsing "${value}": invalid syntax`);
        const want = value === 'true';
        out.push((r) => intermediate.has(r.image.id) === want);
        break;
      }
      default:
        throw new UsageError(`unsupported image filter "${key}"`);
    }
  }
  if (refs.length > 0) out.push((_r, name) => refs.some((p) => rowMatchesReference(name, p)));
  void ctx;
  return out;
}

const SORTS = ['created', 'id', 'repository', 'size', 'tag'];

export async function listImageRows(ctx: Context, opts: ListOptions): Promise<ImageListRow[]> {
  if (!SORTS.includes(opts.sort)) throw new UsageError(`invalid option for --sort, options are: ${SORTS.join(', ')}`);
  const images = await listImages(ctx);
  const configs = new Map<string, ImageConfig | undefined>();
  for (const img of images) configs.set(img.id, await readImageConfig(ctx, img.id).catch(() => undefined));
  const intermediate = intermediateImages(images.map((i) => ({ id: i.id, names: i.names, config: configs.get(i.id) })));
  const filters = await buildFilters(ctx, opts.filters, images, intermediate);
  // As Podman: without -a, intermediate images are left out.
  if (!opts.all) filters.push((r) => !intermediate.has(r.image.id));
  const users = imageUsers(ctx);
  const now = Date.now();
  const rows: ImageListRow[] = [];
  for (const img of images) {
    const labels: Record<string, string> | null = configs.get(img.id)?.config?.Labels ?? null;
    const containers = users.get(img.id)?.length ?? 0;
    for (const row of imageRows(img, labels, containers)) {
      const name = img.names.length === 0 ? undefined : `${row.repository}:${row.tag}`;
      if (opts.reference !== undefined && !rowMatchesReference(name, opts.reference)) continue;
      if (!filters.every((f) => f(row, name))) continue;
      const secs = createdSeconds(img);
      const size = imageSize(img);
      rows.push(new ImageListRow(
        row.repository,
        row.tag,
        opts.noTrunc ? `sha256:${img.id}` : img.id.slice(0, 12),
        img.id,
        img.manifestDigest,
        timeAgo(secs * 1000, now),
        new Date(secs * 1000),
        timeAgo(secs * 1000, now),
        humanSize(size),
        size,
        0,
        [...img.names],
        img.namesHistory.join(', '),
        new Map(Object.entries(labels ?? {})),
        containers,
        img.names.length === 0,
        false,
        [...img.names],
        [...img.digests],
        '',
        summaryJson(row),
        img,
      ));
    }
  }
  const key = opts.sort;
  const cmp = (a: ImageListRow, b: ImageListRow): number => {
    switch (key) {
      case 'id': return a.Id.localeCompare(b.Id);
      case 'repository': return a.Repository.localeCompare(b.Repository);
      case 'tag': return a.Tag.localeCompare(b.Tag);
      case 'size': return a.VirtualSize - b.VirtualSize;
      default: return b.CreatedAt.getTime() - a.CreatedAt.getTime();
    }
  };
  return rows.map((r, i) => ({ r, i })).sort((x, y) => cmp(x.r, y.r) || x.i - y.i).map((x) => x.r);
}
