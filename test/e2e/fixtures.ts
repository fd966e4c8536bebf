// Image archives for e2e tests, built by real tools (umoci, skopeo, GNU tar) through
// test/fixtures/make-images.sh, never by tpod. Built once per script version and
// busybox binary, cached under $TPOD_FIXTURES or the system temp dir.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './harness.js';

export interface ImageFixtures {
  dir: string;
  /** oci-archive, ref name busybox:latest (loads as localhost/busybox:latest). */
  busyboxOci: string;
  /** docker-archive, RepoTags docker.io/library/busybox:latest. */
  busyboxDocker: string;
  busyboxDockerGz: string;
  /** Three layers: busybox, + data/{old,keep}.txt opq/{a,b}, + whiteout of data/old.txt and opaque opq/ with c. */
  layersDocker: string;
  layersOci: string;
  /** A plain busybox rootfs tarball for import. */
  rootfs: string;
  /** oci-archive of busybox with VOLUME /data holding data/seed.txt (loads as localhost/volume:latest). */
  volumeOci: string;
}

const SCRIPT = join(repoRoot, 'test', 'fixtures', 'make-images.sh');
let cached: ImageFixtures | undefined;

function files(dir: string): ImageFixtures {
  return {
    dir,
    busyboxOci: join(dir, 'busybox-oci.tar'),
    busyboxDocker: join(dir, 'busybox-docker.tar'),
    busyboxDockerGz: join(dir, 'busybox-docker.tar.gz'),
    layersDocker: join(dir, 'layers-docker.tar'),
    layersOci: join(dir, 'layers-oci.tar'),
    rootfs: join(dir, 'rootfs.tar'),
    volumeOci: join(dir, 'volume-oci.tar'),
  };
}

/** Builds the fixture set if needed (a few seconds) and returns its paths. */
export function imageFixtures(): ImageFixtures {
  if (cached && existsSync(join(cached.dir, 'DONE'))) return cached;
  return (cached = files(buildFixtures(SCRIPT, 'images')));
}

export interface ShapeFixtures {
  /** An OCI layout with tags shapes and emptylayer (test/fixtures/make-shapes.sh). */
  oci: string;
}

/** Images with every real layer shape, built by GNU tar, umoci and skopeo. */
export function shapeFixtures(): ShapeFixtures {
  return { oci: join(buildFixtures(join(repoRoot, 'test', 'fixtures', 'make-shapes.sh'), 'shapes'), 'oci') };
}

/**
 * Runs a fixture script into a directory named after its contents and the busybox
 * binary, once: later calls (and later runs) find DONE there.
 */
function buildFixtures(script: string, label: string): string {
  const bb = process.env.BUSYBOX ?? '/bin/busybox';
  const bbKey = existsSync(bb) ? `${realpathSync(bb)}:${statSync(bb).size}:${statSync(bb).mtimeMs}` : 'none';
  const key = createHash('sha256').update(readFileSync(script)).update(bbKey).digest('hex').slice(0, 16);
  const uid = process.getuid?.() ?? 0;
  const root = process.env.TPOD_FIXTURES ?? join(tmpdir(), `tpod-e2e-cache-${uid}`);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const dir = join(root, `${label}-${key}`);
  if (!existsSync(join(dir, 'DONE'))) {
    // Built beside the final place and renamed, so a concurrent or killed build never
    // leaves a half-made set where DONE would be looked for.
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    const r = spawnSync('bash', [script, tmp], { encoding: 'utf8', timeout: 180_000 });
    if (r.status !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`${script} failed (needs umoci, skopeo, GNU tar, busybox-static):\n${r.stderr || r.error?.message}`);
    }
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // someone else finished first
    }
  }
  return dir;
}
