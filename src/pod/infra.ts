// The infra container's image: built locally, once, from tpod's own pause program
// (helpers/infra.c, a few KiB, no libc), so `pod create` needs no registry and works
// offline. It is an ordinary one-layer image named as Podman names its own,
// localhost/podman-pause:<version>-<built> (`version --format '{{.Server.Version}}-
// {{.Server.Built}}'`, how scripts and Podman's tests find it); `images` shows it, `rmi`
// may remove it when no pod uses it, and the next `pod create` builds it again.
//
// The layer's bytes depend only on the binary (its mtime as every time, headers from the
// archive writer), so two commands building it at once make the same layer and image
// ids and one of them simply finds it done.
import { readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { helperDir } from '../util/helpers.js';
import { encodeHeader, padding } from '../image/archive/tar-writer.js';
import { BUILT, VERSION } from '../version.js';

/** Where the program sits in the infra rootfs; the image's entrypoint. */
export const INFRA_COMMAND = '/pause';

export function infraImageName(version = VERSION, built = BUILT): string {
  return `localhost/podman-pause:${`${version}-${built}`.replace(/[^\w.-]/g, '-')}`;
}

export function infraBinaryPath(): string {
  const p = join(helperDir(), 'tpod-infra');
  if (!existsSync(p)) throw new TpodError('EHELPER', `${p} is missing: the pod infra program is built with tpod (make -C helpers, or ./install.sh)`);
  return p;
}

// ---- the layer, written with the archive writer's headers (image/archive/tar-writer.ts) ----

interface TarEntry {
  path: string;
  type: 'dir' | 'file';
  mode: number;
  mtime: number;
  data?: Buffer;
}

/** A tar archive of ENTRIES (paths relative, dirs ending in "/"), with the two zero blocks at the end. */
export function tarOf(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    // Owned by 0:0 (container root), named root as well.
    const size = e.type === 'file' ? e.data?.length ?? 0 : 0;
    parts.push(encodeHeader({ name: e.path, type: e.type, mode: e.mode, size, uid: 0, gid: 0, mtime: e.mtime, uname: 'root', gname: 'root' }));
    if (e.type === 'file' && e.data) {
      parts.push(e.data);
      const pad = padding(e.data.length);
      if (pad > 0) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** The infra rootfs: the program, and the mount points the runtime binds onto. */
export function infraLayer(binary: Buffer, mtime: number): Buffer {
  const dir = (path: string): TarEntry => ({ path, type: 'dir', mode: 0o755, mtime });
  return tarOf([
    dir('dev/'),
    dir('etc/'),
    dir('proc/'),
    dir('sys/'),
    { path: INFRA_COMMAND.slice(1), type: 'file', mode: 0o755, mtime, data: binary },
  ]);
}

// ---- the image -------------------------------------------------------------------------

/** The infra image's name, building the image first when the store lacks it. */
export async function ensureInfraImage(ctx: Context): Promise<string> {
  const name = infraImageName();
  const store = await import('../image/store.js');
  if (await store.imageExists(ctx, name)) return name;
  const path = infraBinaryPath();
  const binary = readFileSync(path);
  const mtime = Math.floor(statSync(path).mtimeMs / 1000);
  const { importTarball } = await import('../image/import.js');
  await importTarball(ctx, Readable.from([infraLayer(binary, mtime)]), {
    label: 'tpod-infra',
    names: [name],
    changes: [`ENTRYPOINT ["${INFRA_COMMAND}"]`, 'STOPSIGNAL SIGTERM', 'LABEL io.tpod.infra=true'],
    created: new Date(mtime * 1000),
    // Every entry is owned by 0:0, which is the user's own uid in the namespace.
    preserveOwner: false,
  });
  return name;
}
