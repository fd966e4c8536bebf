// `tpod image sign`: GPG "simple signing" signatures of images in a registry, written
// where containers/image's lookaside (sigstore) layout expects them:
// DIR/<repository>@sha256=<hex>/signature-N. The payload is containers/image's
// "atomic container signature"; gpg (with the caller's GNUPGHOME) signs it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../engine/context.js';
import { TpodError, UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { formatReference, parseRemoteReference, qualify, type Reference } from './reference.js';

export interface SignOptions {
  signBy: string;
  directory: string;
  authfile?: string;
  tlsVerify?: boolean;
}

/** The signed payload (containers/image signature/docker.go's format). */
export function signaturePayload(ref: Reference, manifestDigest: string, timestamp: number): string {
  return JSON.stringify({
    critical: {
      identity: { 'docker-reference': formatReference(ref) },
      image: { 'docker-manifest-digest': manifestDigest },
      type: 'atomic container signature',
    },
    optional: { creator: `tpod ${VERSION}`, timestamp },
  });
}

/** Where signature number N of the image goes under `dir`. */
export function signaturePath(dir: string, ref: Reference, manifestDigest: string, n: number): string {
  return join(dir, `${ref.path}@${manifestDigest.replace(':', '=')}`, `signature-${n}`);
}

function gpgSign(payload: string, signBy: string, env: NodeJS.ProcessEnv): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('gpg', ['--batch', '--no-tty', '--local-user', signBy, '--sign'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new TpodError('ECONFIG', `signing needs gpg: ${e.message}`, { cause: e })));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new TpodError('ECONFIG', `signing with key ${signBy}: ${err.trim().split('\n').pop() ?? `gpg exited ${code}`}`));
    });
    child.stdin.end(payload);
  });
}

/** Signs each image as the registry serves it; returns the signature files written. */
export async function signImages(ctx: Context, images: string[], opts: SignOptions): Promise<string[]> {
  const { RemoteChecker } = await import('../autoupdate/remote.js');
  const { closeAgents } = await import('./registry/http.js');
  const checker = new RemoteChecker(ctx);
  const written: string[] = [];
  try {
    for (const image of images) {
      const m = /^([a-z][a-z-]*):/.exec(image);
      if (m && !image.startsWith('docker://')) throw new UsageError(`${image}: only the docker:// transport can be signed`);
      const raw = parseRemoteReference(image.replace(/^docker:\/\//, ''));
      const ref = qualify(raw, raw.domain ?? 'docker.io');
      const digest = await checker.manifestDigest(ref, { authfile: opts.authfile, tlsVerify: opts.tlsVerify });
      const sig = await gpgSign(signaturePayload(ref, digest, Math.floor(Date.now() / 1000)), opts.signBy, ctx.host.env);
      let n = 1;
      while (existsSync(signaturePath(opts.directory, ref, digest, n))) n++;
      const path = signaturePath(opts.directory, ref, digest, n);
      mkdirSync(join(path, '..'), { recursive: true, mode: 0o755 });
      writeFileSync(path, sig, { mode: 0o644, flag: 'wx' });
      written.push(path);
    }
  } finally {
    closeAgents();
  }
  return written;
}
