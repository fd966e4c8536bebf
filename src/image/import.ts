// `tpod import`: a plain root filesystem tarball becomes a one-layer image, with a
// config written by tpod (and Dockerfile-style --change instructions applied).
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Context } from '../engine/context.js';
import { TpodError, UsageError } from '../errors.js';
import { WorkDir } from '../storage/workdir.js';
import { prepareLayer } from '../storage/layers.js';
import { addImage, repairStore, type AddImageOptions, type StoredImage } from './store.js';
import { namespacePlace } from '../rootless/join.js';
import { ociArch } from './archive/oci.js';
import { MEDIA } from './archive/types.js';
import type { ImageConfig, ImageConfigBody } from './types.js';

export interface ImportOptions {
  label: string;
  /** Fully qualified names (already normalised), possibly none. */
  names: string[];
  changes: string[];
  message?: string;
  /** Creation time; Podman uses the tarball's modification time when it is a file. */
  created?: Date;
  preserveOwner: boolean;
  place?: AddImageOptions['place'];
}

/** A JSON array (`["a","b"]`) or, failing that, the shell form run by /bin/sh -c. */
function commandForm(value: string): string[] {
  const v = value.trim();
  if (v.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed) && parsed.every((s) => typeof s === 'string')) return parsed as string[];
    } catch {
      /* not JSON: shell form */
    }
  }
  return ['/bin/sh', '-c', v];
}

function splitPairs(value: string): Array<[string, string]> {
  const v = value.trim();
  if (!v.includes('=')) {
    const sp = v.search(/\s/);
    if (sp < 0) throw new UsageError(`invalid change "${value}": want KEY=VALUE or KEY VALUE`);
    return [[v.slice(0, sp), v.slice(sp + 1).trim()]];
  }
  const out: Array<[string, string]> = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const m of v.matchAll(re)) {
    const raw = m[2] ?? '';
    out.push([m[1]!, raw.startsWith('"') ? (JSON.parse(raw) as string) : raw]);
  }
  return out;
}

/** Applies Dockerfile-style instructions (`CMD=...`, `ENV A=b`, ...) to a config body. */
export function applyChanges(body: ImageConfigBody, changes: string[]): ImageConfigBody {
  const out: ImageConfigBody = { ...body };
  for (const change of changes) {
    const m = /^\s*([A-Za-z]+)(?:\s*=\s*|\s+)([\s\S]*)$/.exec(change);
    if (!m) throw new UsageError(`invalid change "${change}": want INSTRUCTION=VALUE`);
    const instr = m[1]!.toUpperCase();
    const value = m[2] ?? '';
    switch (instr) {
      case 'CMD':
        out.Cmd = commandForm(value);
        break;
      case 'ENTRYPOINT':
        out.Entrypoint = commandForm(value);
        break;
      case 'ENV': {
        const env = [...(out.Env ?? [])];
        for (const [k, v] of splitPairs(value)) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        out.Env = env;
        break;
      }
      case 'LABEL':
        out.Labels = { ...(out.Labels ?? {}), ...Object.fromEntries(splitPairs(value)) };
        break;
      case 'WORKDIR':
        out.WorkingDir = value.trim();
        break;
      case 'USER':
        out.User = value.trim();
        break;
      case 'STOPSIGNAL':
        out.StopSignal = value.trim();
        break;
      case 'EXPOSE': {
        const ports = { ...(out.ExposedPorts ?? {}) };
        for (const p of value.trim().split(/\s+/).filter(Boolean)) ports[p.includes('/') ? p : `${p}/tcp`] = {};
        out.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(out.Volumes ?? {}) };
        for (const p of commandForm(value)[0] === '/bin/sh' ? value.trim().split(/\s+/) : commandForm(value)) vols[p] = {};
        out.Volumes = vols;
        break;
      }
      default:
        throw new UsageError(`invalid change "${change}": ${instr} is not supported (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)`);
    }
  }
  return out;
}

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

export async function importTarball(ctx: Context, source: Readable, opts: ImportOptions): Promise<StoredImage> {
  const body = applyChanges({}, opts.changes);
  await repairStore(ctx);
  const work = await WorkDir.create(ctx, 'work');
  try {
    const place = opts.place ?? (await namespacePlace(ctx));
    const layer = await prepareLayer(work.path, { label: opts.label, open: () => source }, { preserveOwner: opts.preserveOwner, ...place });
    const created = (opts.created ?? new Date()).toISOString();
    const history: NonNullable<ImageConfig['history']>[number] = { created, created_by: `/bin/sh -c #(nop) ADD file:${layer.diffId.slice(7)} in /` };
    if (opts.message) history.comment = opts.message;
    const config: ImageConfig = {
      created,
      architecture: ociArch(),
      os: 'linux',
      config: body,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [history],
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: sha256(configBytes), size: configBytes.length },
      layers: [{ mediaType: MEDIA.ociLayer, digest: layer.diffId, size: layer.record.size }],
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    if (layer.result.size === 0) throw new TpodError('EARCHIVE', `${opts.label}: empty tarball`);
    return await addImage(
      ctx,
      { configBytes, manifestBytes, manifestDigest: sha256(manifestBytes), manifestType: MEDIA.ociManifest, names: opts.names },
      [{ diffId: layer.diffId, label: opts.label, open: () => { throw new TpodError('EINTERNAL', 'imported layer was already extracted'); } }],
      { preserveOwner: opts.preserveOwner, place, prepared: [layer], work },
    );
  } finally {
    await work.dispose(ctx);
  }
}
