// The registry policy's question: does the registry hold another image under the name
// than the one stored here? Answered with the manifest's digest, as Podman does: a
// HEAD first (one small request when nothing changed), then the manifest itself when
// the digest is not one we know, because a manifest list's digest never equals the
// digest of the platform image stored locally: the list is resolved to this platform's
// image, whose digest is compared. Same registries.conf (mirrors, insecure, blocked),
// auth files and TLS settings as pull.
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import type { StoredImage } from '../image/store.js';
import { formatReference, referenceTarget, type Reference } from '../image/reference.js';
import { configLocations, loadRegistriesConfig, pullSources, type PullSource } from '../image/registries.js';
import { authFileLocations, findCredentials } from '../image/auth-file.js';
import { RegistryClient, defaultTimeoutMs } from '../image/registry/client.js';
import { TokenCache } from '../image/registry/auth.js';
import { ACCEPT_MANIFESTS, choosePlatform, hostPlatform, parseManifest, type PlatformWanted } from '../image/registry/manifest.js';

export interface RemoteCheckOptions {
  authfile?: string | undefined;
  /** false: plain http / unverified TLS allowed; undefined: registries.conf decides. */
  tlsVerify?: boolean | undefined;
  platform?: PlatformWanted;
}

/** Every manifest digest the local image is known by. */
export function knownDigests(image: Pick<StoredImage, 'manifestDigest' | 'digests'>): Set<string> {
  const out = new Set<string>([image.manifestDigest]);
  for (const d of image.digests) {
    const at = d.lastIndexOf('@');
    if (at >= 0) out.add(d.slice(at + 1));
  }
  return out;
}

/** Answers for one run of auto-update: clients and tokens shared between containers. */
export class RemoteChecker {
  private readonly clients = new Map<string, RegistryClient>();
  private readonly tokens = new TokenCache();
  constructor(private readonly ctx: Context) {}

  private client(source: PullSource, o: RemoteCheckOptions): RegistryClient {
    const insecure = o.tlsVerify === false || (o.tlsVerify === undefined && source.insecure);
    const host = source.ref.domain;
    const auth = authFileLocations({ env: this.ctx.host.env, home: this.ctx.host.home, uid: this.ctx.uid }, o.authfile);
    const key = `${host}|${insecure}|${o.authfile ?? ''}`;
    let c = this.clients.get(key);
    if (!c) {
      c = new RegistryClient({
        host,
        insecure,
        credentials: (repo) => findCredentials(auth, repo === undefined ? host : `${host}/${repo}`)?.credentials,
        tlsEnv: { env: this.ctx.host.env, configHome: this.ctx.paths.configHome },
        timeoutMs: defaultTimeoutMs(this.ctx.host.env),
        tokens: this.tokens,
        onRetry: (msg) => this.ctx.log.warn(msg),
      });
      this.clients.set(key, c);
    }
    return c;
  }

  /** Whether the registry's image under `ref` differs from `local` (mirrors first, as pull). */
  async differs(local: Pick<StoredImage, 'manifestDigest' | 'digests'>, ref: Reference, o: RemoteCheckOptions = {}): Promise<boolean> {
    const cfg = loadRegistriesConfig(configLocations(this.ctx.host.env, this.ctx.paths.configHome));
    const sources = pullSources(cfg, ref);
    let lastErr: unknown;
    for (const source of sources) {
      try {
        return await this.differsAt(this.client(source, o), source.ref, knownDigests(local), o.platform ?? hostPlatform());
      } catch (err) {
        lastErr = err;
        if (source.mirror) this.ctx.log.debug(`checking ${formatReference(source.ref)} on mirror ${source.ref.domain} failed: ${(err as Error).message}`);
      }
    }
    throw lastErr instanceof TpodError ? lastErr : new TpodError('EREGISTRY', (lastErr as Error)?.message ?? String(lastErr), { cause: lastErr });
  }

  /** The digest of the manifest the registry serves under `ref` (mirrors first, as pull). */
  async manifestDigest(ref: Reference, o: RemoteCheckOptions = {}): Promise<string> {
    const cfg = loadRegistriesConfig(configLocations(this.ctx.host.env, this.ctx.paths.configHome));
    let lastErr: unknown;
    for (const source of pullSources(cfg, ref)) {
      try {
        return (await this.client(source, o).getManifest(source.ref.path, referenceTarget(source.ref), ACCEPT_MANIFESTS)).digest;
      } catch (err) {
        lastErr = err;
      }
    }
    throw lastErr instanceof TpodError ? lastErr : new TpodError('EREGISTRY', (lastErr as Error)?.message ?? String(lastErr), { cause: lastErr });
  }

  private async differsAt(client: RegistryClient, ref: Reference, known: Set<string>, platform: PlatformWanted): Promise<boolean> {
    const repo = ref.path;
    const target = referenceTarget(ref);
    const head = await client.headManifest(repo, target, ACCEPT_MANIFESTS).catch((err: unknown) => {
      // Some registries refuse HEAD on manifests: the GET below still answers.
      if (err instanceof TpodError && err.code === 'EREGISTRY') return undefined;
      throw err;
    });
    if (head !== undefined && known.has(head)) return false;
    const got = await client.getManifest(repo, target, ACCEPT_MANIFESTS);
    if (known.has(got.digest)) return false;
    const label = formatReference(ref);
    const m = parseManifest(got.bytes, got.contentType, label);
    if (m.kind === 'image') return true;
    return !known.has(choosePlatform(m, platform, label).digest);
  }
}
