// What a registry serves under a name, without pulling it: the manifest's descriptor
// and the platforms it is for (the Docker API's GET /distribution/{name}/json). Same
// registries.conf (short names, mirrors, insecure, blocked) and auth files as pull.
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { formatReference, referenceTarget } from './reference.js';
import { configLocations, loadRegistriesConfig, pullSources } from './registries.js';
import { authFileLocations, findCredentials, type Credentials } from './auth-file.js';
import { RegistryClient, defaultTimeoutMs } from './registry/client.js';
import { closeAgents } from './registry/http.js';
import { ACCEPT_MANIFESTS, MAX_CONFIG, parseManifest, type Platform } from './registry/manifest.js';
import { pullCandidates } from './pull.js';

export interface RemoteManifest {
  mediaType: string;
  digest: string;
  size: number;
  platforms: Platform[];
}

export async function inspectRemote(ctx: Context, reference: string, o: { credentials?: Credentials | undefined } = {}): Promise<RemoteManifest> {
  const cfg = loadRegistriesConfig(configLocations(ctx.host.env, ctx.paths.configHome));
  const auth = authFileLocations({ env: ctx.host.env, home: ctx.host.home, uid: ctx.uid });
  let lastErr: unknown;
  try {
    for (const ref of pullCandidates(cfg, reference, () => undefined)) {
      for (const source of pullSources(cfg, ref)) {
        const host = source.ref.domain;
        const client = new RegistryClient({
          host,
          insecure: source.insecure,
          credentials: (repo) => o.credentials ?? findCredentials(auth, repo === undefined ? host : `${host}/${repo}`)?.credentials,
          tlsEnv: { env: ctx.host.env, configHome: ctx.paths.configHome },
          timeoutMs: defaultTimeoutMs(ctx.host.env),
          onRetry: (m) => ctx.log.warn(m),
        });
        const label = formatReference(source.ref);
        try {
          const got = await client.getManifest(source.ref.path, referenceTarget(source.ref), ACCEPT_MANIFESTS);
          const m = parseManifest(got.bytes, got.contentType, label);
          let platforms: Platform[];
          if (m.kind === 'index') platforms = m.manifests.flatMap((d) => (d.platform ? [d.platform] : []));
          else {
            const c = JSON.parse((await client.readBlob(source.ref.path, m.config.digest, m.config.size, MAX_CONFIG, `reading the config of ${label}`)).toString('utf8')) as Partial<Platform>;
            platforms = c.os && c.architecture ? [{ os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) }] : [];
          }
          return { mediaType: m.mediaType, digest: got.digest, size: got.bytes.length, platforms };
        } catch (err) {
          lastErr = err;
        }
      }
    }
  } finally {
    closeAgents();
  }
  throw lastErr instanceof TpodError ? lastErr : new TpodError('EREGISTRY', (lastErr as Error)?.message ?? `${reference}: no registry to ask`, { cause: lastErr });
}
