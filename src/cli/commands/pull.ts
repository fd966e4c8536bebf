import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PullCommand extends TpodCommand {
  static override paths = [['pull'], ['image', 'pull']];
  static override usage = Command.Usage({
    description: 'Pull an image from a registry',
    details: `
      Fetches an image from a registry speaking the OCI distribution API and stores it.
      A name without a registry is resolved with registries.conf as Podman does: an
      \`[aliases]\` entry, else each \`unqualified-search-registries\` entry in turn;
      \`[[registry]]\` entries decide the location, mirrors (tried first) and whether plain
      http is allowed (\`insecure = true\`). Credentials come from \`tpod login\`
      ($XDG_RUNTIME_DIR/containers/auth.json) or ~/.docker/config.json.

      Manifest lists pick the image for this machine's platform unless \`--platform\`,
      \`--arch\`, \`--os\` or \`--variant\` says otherwise. Every blob is checked against its
      digest and size; layers already in the store are not downloaded again, and an
      interrupted pull leaves no partial image (the next pull completes it). Progress
      goes to stderr; stdout gets the image ID. A registry that does not answer for 30 s
      (\$TPOD_REGISTRY_TIMEOUT seconds) is given up on; 429 and 502-504 answers are
      retried with backoff.
    `,
    examples: [
      ['Pull an image', '$0 pull docker.io/library/busybox'],
      ['Pull the arm64 image of a multi-platform image', '$0 pull --platform linux/arm64 quay.io/podman/hello'],
      ['From a plain-http registry', '$0 pull --tls-verify=false 127.0.0.1:5000/busybox'],
    ],
  });

  quiet = Option.Boolean('-q,--quiet', false, { description: 'Suppress output information when pulling images' });
  tlsVerify = Option.String('--tls-verify', { tolerateBoolean: true, description: 'Require HTTPS and verify certificates when contacting registries (default: registries.conf decides)' });
  authfile = Option.String('--authfile', { description: 'Path of the authentication file' });
  creds = Option.String('--creds', { description: 'Use USERNAME[:PASSWORD] for accessing the registry' });
  certDir = Option.String('--cert-dir', { description: 'Use certificates at the specified path to access the registry' });
  platform = Option.String('--platform', { description: 'Specify the platform for selecting the image (OS/ARCH[/VARIANT])' });
  arch = Option.String('--arch', { description: 'Use ARCH instead of the architecture of the machine for choosing images' });
  os = Option.String('--os', { description: 'Use OS instead of the running OS for choosing images' });
  variant = Option.String('--variant', { description: 'Use VARIANT instead of the running architecture variant for choosing images' });
  images = Option.Rest({ required: 1, name: 'IMAGE' });

  async execute(): Promise<number> {
    const { parseTlsVerify, parseCreds } = await import('../registry-flags.js');
    const { pullImage } = await import('../../image/pull.js');
    const { hostPlatform, parsePlatform, normalizeArch } = await import('../../image/registry/manifest.js');
    const { UsageError } = await import('../../errors.js');
    if (this.platform !== undefined && (this.arch !== undefined || this.os !== undefined || this.variant !== undefined)) {
      throw new UsageError('--platform option can not be specified with --arch, --os or --variant');
    }
    let platform = this.platform !== undefined ? parsePlatform(this.platform) : hostPlatform();
    if (this.platform === undefined) {
      if (this.arch !== undefined || this.variant !== undefined) {
        const host = hostPlatform();
        platform = { os: this.os ?? host.os, architecture: this.arch !== undefined ? normalizeArch(this.arch) : host.architecture };
        const variant = this.variant ?? (this.arch === undefined ? host.variant : undefined);
        if (variant !== undefined) platform.variant = variant;
      } else if (this.os !== undefined) {
        platform = { ...platform, os: this.os };
      }
    }
    const { pullReporter } = await import('../pull-reporter.js');
    const reporter = await pullReporter(this.quiet);
    const tlsVerify = parseTlsVerify(this.tlsVerify);
    const credentials = parseCreds(this.creds);
    for (const reference of this.images) {
      const r = await pullImage(this.ctx, {
        reference,
        platform,
        reporter,
        ...(tlsVerify !== undefined ? { tlsVerify } : {}),
        ...(this.authfile !== undefined ? { authfile: this.authfile } : {}),
        ...(this.certDir !== undefined ? { certDir: this.certDir } : {}),
        ...(credentials ? { credentials } : {}),
      });
      this.print(r.image.id);
    }
    return 0;
  }
}
