import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class BuildCommand extends TpodCommand {
  static override paths = [['build'], ['image', 'build'], ['buildx', 'build']];
  static override usage = Command.Usage({
    description: 'Build an image using instructions from Containerfiles',
    details: `
      Builds an image from a Containerfile (or Dockerfile) in the context directory, or
      from \`-f PATH\`; with \`-\` as the context the Containerfile is read from stdin and
      there is no context. Files the context's .containerignore (else .dockerignore) names
      are left out, with Docker's rules and \`!\` negations.

      Each instruction makes one image from the one before: RUN runs in a build container
      (same runtime and overlay as \`tpod run\`), COPY and ADD unpack into one, config
      instructions change the config only. With --layers (the default) every step is
      looked up in the layer cache (its parent, the instruction, the build args in effect
      and a digest of the copied files' content and metadata) and reused when found.

      RUN --mount=type=bind|cache|tmpfs|secret gives a step files that do not go into its
      layer: context (or stage) files, a cache kept between builds, a tmpfs, or a secret
      given with --secret. RUN --network=none|host picks the step's network.

      A RUN that fails ends the build with the command's exit code; a Containerfile that
      cannot be parsed, or a step that cannot be done, with 125.
    `,
    examples: [
      ['Build the context in the current directory', '$0 build -t localhost/app .'],
      ['Build one stage with a build arg', '$0 build --target builder --build-arg VERSION=2 -t app:builder .'],
      ['A Containerfile from stdin', "printf 'FROM busybox\\nRUN echo hi\\n' | $0 build -"],
    ],
  });

  file = Option.Array('-f,--file', { description: 'Pathname or URL of a Containerfile' });
  tag = Option.Array('-t,--tag', { description: 'Name of the image to create (several allowed)' });
  buildArg = Option.Array('--build-arg', { description: 'ARG=VALUE to supply to the builder' });
  buildArgFile = Option.Array('--build-arg-file', { description: 'File of ARG=VALUE lines to supply to the builder' });
  target = Option.String('--target', { description: 'Set the target build stage to build' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Refrain from announcing build instructions and image read/write progress' });
  iidfile = Option.String('--iidfile', { description: 'Write the image ID to the file' });
  noCache = Option.Boolean('--no-cache', false, { description: 'Do not use existing cached images for the container build' });
  layers = Option.String('--layers', { tolerateBoolean: true, description: 'Use intermediate layers during build (default true)' });
  format = Option.String('--format', { description: 'Format of the built image\'s manifest and metadata (oci or docker)' });
  label = Option.Array('--label', { description: 'Set metadata for an image' });
  pull = Option.String('--pull', { tolerateBoolean: true, description: 'Pull image policy: always, missing, never, newer' });
  pullNever = Option.Boolean('--pull-never', false, { hidden: true });
  pullAlways = Option.Boolean('--pull-always', false, { hidden: true });
  tlsVerify = Option.String('--tls-verify', { tolerateBoolean: true, description: 'Require HTTPS and verify certificates when accessing the registry' });
  authfile = Option.String('--authfile', { description: 'Path of the authentication file' });
  network = Option.String('--network', { description: 'Network mode for RUN instructions' });
  rm = Option.String('--rm', { tolerateBoolean: true, description: 'Remove intermediate containers after a successful build (always)' });
  forceRm = Option.String('--force-rm', { tolerateBoolean: true, description: 'Always remove intermediate containers (always)' });
  secret = Option.Array('--secret', { description: 'Secret file or variable for RUN --mount=type=secret (id=ID,src=PATH or id=ID,env=VAR)' });
  ignoreFile = Option.String('--ignorefile', { description: 'Path to an alternate .containerignore file' });
  squash = Option.Boolean('--squash', false, { description: 'Squash all of the image\'s new layers into a single new layer; any preexisting layers are not squashed' });
  squashAll = Option.Boolean('--squash-all', false, { description: 'Squash all of the new image\'s layers (including those inherited from a base image) into a single new layer' });
  timestamp = Option.String('--timestamp', { description: 'Set created timestamp to the specified epoch seconds to allow for deterministic builds, defaults to current time' });
  jobs = Option.String('--jobs', { description: 'How many stages to run in parallel (stages run one at a time)' });
  ulimit = Option.Array('--ulimit', { description: 'Ulimit options for RUN: NAME=SOFT[:HARD]' });
  securityOpt = Option.Array('--security-opt', { description: 'Security options for RUN (seccomp=unconfined|PROFILE.json, no-new-privileges, ...)' });
  dns = Option.Array('--dns', { description: 'Set custom DNS servers for RUN' });
  dnsSearch = Option.Array('--dns-search', { description: 'Set custom DNS search domains for RUN' });
  dnsOption = Option.Array('--dns-option', { description: 'Set custom DNS options for RUN' });
  addHost = Option.Array('--add-host', { description: 'Add a custom host-to-IP mapping (host:ip) for RUN' });
  logfile = Option.String('--logfile', { description: 'Log to file instead of stdout/stderr' });
  // buildx build --load: the image goes to the local store, where tpod always puts it.
  load = Option.Boolean('--load', false, { hidden: true });
  contextArg = Option.String({ name: 'CONTEXT', required: false });

  async execute(): Promise<number> {
    const { UsageError, TpodError } = await import('../../errors.js');
    const { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync } = await import('node:fs');
    const { resolve, dirname } = await import('node:path');
    if (this.format !== undefined && this.format !== 'oci' && this.format !== 'docker') throw new UsageError(`unrecognized image type "${this.format}"`);
    if (this.squash && this.squashAll) throw new UsageError('cannot specify --squash-all with --squash');
    if (this.timestamp !== undefined && !/^\d+$/.test(this.timestamp)) throw new UsageError(`invalid argument "${this.timestamp}" for "--timestamp" flag: strconv.ParseInt: parsing "${this.timestamp}": invalid syntax`);

    const { parseUlimit } = await import('../../runtime/ulimit.js');
    for (const u of this.ulimit ?? []) parseUlimit(u);
    if (this.authfile !== undefined && !existsSync(this.authfile)) throw new TpodError('EUSAGE', `checking authfile: stat ${this.authfile}: no such file or directory`);
    const { containerfileSources, readContainerfiles } = await import('../../build/containerfiles.js');
    const readStdin = (): string => readFileSync(0, 'utf8');
    let contextDir: string | undefined;
    let text: string;
    let name: string;
    if (this.contextArg === '-') {
      text = readStdin();
      name = 'Containerfile';
    } else {
      const files = this.file ?? [];
      // No context given: the first Containerfile's directory is the context (Podman's rule).
      const firstLocal = files.find((f) => f !== '-');
      contextDir = resolve(this.contextArg ?? (firstLocal !== undefined && files.length > 0 ? dirname(resolve(firstLocal)) : '.'));
      if (!existsSync(contextDir) || !statSync(contextDir).isDirectory()) throw new TpodError('EUSAGE', `stat ${contextDir}: no such file or directory`);
      const sources = containerfileSources(files, contextDir, process.cwd(), existsSync);
      ({ text, name } = readContainerfiles(sources, readStdin, (p) => readFileSync(p, 'utf8')));
    }

    const buildArgs = new Map<string, string>();
    const addArg = (a: string): void => {
      const eq = a.indexOf('=');
      if (eq < 0) {
        const v = process.env[a];
        if (v !== undefined) buildArgs.set(a, v);
      } else buildArgs.set(a.slice(0, eq), a.slice(eq + 1));
    };
    for (const f of this.buildArgFile ?? []) {
      for (const line of readFileSync(f, 'utf8').split('\n')) if (line.trim() !== '' && !line.startsWith('#')) addArg(line);
    }
    for (const a of this.buildArg ?? []) addArg(a);
    const labels: Record<string, string> = {};
    for (const l of this.label ?? []) {
      const eq = l.indexOf('=');
      labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
    }

    const { parseSecretFlag } = await import('../../build/run-flags.js');
    const secrets = new Map<string, import('../../build/run-flags.js').BuildSecret>();
    for (const v of this.secret ?? []) {
      const sec = parseSecretFlag(v, process.env, process.cwd(), existsSync);
      secrets.set(sec.id, sec);
    }

    const store = await import('../../image/store.js');
    const { parsePullPolicy, withPullPolicy } = await import('../../image/pull-policy.js');
    const { parseTlsVerify } = await import('../registry-flags.js');
    const { pullReporter } = await import('../pull-reporter.js');
    let pull = this.pull === undefined ? undefined : this.pull === true ? 'always' : this.pull === false ? 'missing' : String(this.pull);
    if (pull === 'true') pull = 'always';
    if (pull === 'false') pull = 'missing';
    if (this.pullNever) pull = 'never';
    if (this.pullAlways) pull = 'always';
    const pulling = withPullPolicy(store, { policy: parsePullPolicy(pull), tlsVerify: parseTlsVerify(this.tlsVerify), authfile: this.authfile, quiet: this.quiet, reporter: await pullReporter(this.quiet) });
    // As Podman: --squash is buildah's --layers=false; --squash-all too unless --layers is given.
    const { parseGoBool } = await import('../../build/containerfiles.js');
    const layersEnv = process.env.BUILDAH_LAYERS;
    const layersFlag = this.layers === undefined ? undefined : this.layers === true ? true : parseGoBool(String(this.layers), '--layers');
    const layersGiven = layersFlag ?? (layersEnv !== undefined && layersEnv !== '' ? parseGoBool(layersEnv, 'BUILDAH_LAYERS') : undefined);
    const layers = !this.squash && (layersGiven ?? !this.squashAll);
    const log = this.logfile !== undefined ? openSync(this.logfile, 'w', 0o600) : undefined;
    const logSink = log !== undefined ? { stdout: (b: Buffer) => writeSync(log, b), stderr: (b: Buffer) => writeSync(log, b) } : undefined;
    const line = (l: string): void => {
      if (this.quiet) return;
      if (log !== undefined) writeSync(log, `${l}\n`);
      else process.stdout.write(`${l}\n`);
    };
    const { buildImage } = await import('../../build/build.js');
    const id = await buildImage(this.ctx, {
      containerfile: { text, name },
      contextDir,
      buildArgs,
      target: this.target,
      tags: store.normalizeTagNames(this.tag ?? []),
      layers,
      noCache: this.noCache,
      labels,
      network: this.network,
      ignoreFile: this.ignoreFile,
      secrets,
      squash: this.squashAll ? 'all' : this.squash ? 'new' : undefined,
      timestamp: this.timestamp !== undefined ? Number(this.timestamp) : undefined,
      commitName: this.tag?.[0],
      output: logSink,
      runFlags: { ulimit: this.ulimit, securityOpt: this.securityOpt, dns: this.dns, dnsSearch: this.dnsSearch, dnsOption: this.dnsOption, addHost: this.addHost },
    }, { store, pulling }, { line }).finally(() => {
      if (log !== undefined) closeSync(log);
    });
    if (this.iidfile !== undefined) writeFileSync(this.iidfile, `sha256:${id}`);
    this.print(id);
    return 0;
  }
}
