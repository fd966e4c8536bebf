// `tpod build`: a Containerfile as a sequence of engine operations. Each stage starts
// from its base (an image, an earlier stage, or scratch); each instruction makes one
// image from its parent: config instructions write a config (no layer), RUN and
// COPY/ADD commit a build container's changes. With --layers (the default) every step
// is looked up in the layer cache first and recorded there after. Progress goes to the
// reporter as Podman words it; RUN output goes to the build's own stdout and stderr.
import type { Context } from '../engine/context.js';
import type { ImageAccess } from '../engine/create.js';
import type { ImageConfig, ImageConfigBody } from '../image/types.js';
import type { HistoryEntry, ImageWrite } from '../engine/commit.js';
import { parseContainerfile, parseInstructions, type Instruction } from './parse.js';
import { planStages, stageByRef, stagesToBuild, type Stage } from './plan.js';
import { applyConfigInstruction, commandOf, DEFAULT_SHELL, envMap, type ConfigState } from './config.js';
import { expand } from './expand.js';
import { BuildCache, cacheKey } from './cache.js';
import { loadIgnore, copyTar, ignoreFileMatcher, type IgnoreMatcher } from './context.js';
import { planCopy } from './copy.js';
import { parseRunFlags, type BuildSecret } from './run-flags.js';
import type { SquashMode } from './squash.js';
import { Downloads } from './fetch-url.js';
import { TpodError } from '../errors.js';

export interface BuildOptions {
  /** The Containerfile's text and the name errors give it. */
  containerfile: { text: string; name: string };
  /** The context directory; undefined for a Containerfile from stdin without one. */
  contextDir: string | undefined;
  buildArgs: ReadonlyMap<string, string>;
  target?: string | undefined;
  /** Fully qualified names for the result. */
  tags: string[];
  /** Look steps up in the cache and record them (--layers, on by default). */
  layers: boolean;
  /** Do not use the cache (results are still recorded with --layers). */
  noCache: boolean;
  labels: Record<string, string>;
  network?: string | undefined;
  /** --ignorefile: ignore rules from this file instead of the context's. */
  ignoreFile?: string | undefined;
  /** --secret: what RUN --mount=type=secret can use, by id. */
  secrets?: ReadonlyMap<string, BuildSecret> | undefined;
  /** --squash ('new': the final stage's new layers as one) or --squash-all ('all'). */
  squash?: SquashMode | undefined;
  /** --timestamp: seconds since the epoch for every created time and every file's mtime in the new layers. */
  timestamp?: number | undefined;
  /** The first -t as given: Podman's COMMIT line names the image so. */
  commitName?: string | undefined;
  /** --logfile: RUN output goes here instead of the build's stdout and stderr. */
  output?: import('../engine/run-output.js').OutputSink | undefined;
  /** --ulimit, --security-opt, --dns*, --add-host: for every RUN's container. */
  runFlags?: import('./steps.js').BuildRunFlags | undefined;
}

/** The line before the last step's image is written, as buildah words it. */
export function commitLine(name: string | undefined): string {
  return name !== undefined && name !== '' ? `COMMIT ${name}` : 'COMMIT';
}

export interface BuildReporter {
  /** One line of Podman's build output (STEP, --> ..., COMMIT, Successfully tagged). */
  line(text: string): void;
}

/** The store the build reads and writes, and the lookup for FROM and --from images (pull policy applied). */
export interface BuildImages {
  store: typeof import('../image/store.js');
  pulling: ImageAccess;
}

const RUNNING = new Set(['RUN', 'COPY', 'ADD']);

interface StageState {
  parent: string | undefined;
  config: ImageConfig;
  cfg: ConfigState;
  /** ARGs declared in this stage and their values (unset ones are absent). */
  args: Map<string, string>;
}

/** --timestamp as the config and history give it (RFC 3339 as Go writes it: no fraction of 0). */
export function timestampText(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/** What --timestamp adds to an image write: its created time and its layer's mtimes. */
function fixedTime(o: BuildOptions): { created?: string; layerMtime?: number } {
  return o.timestamp === undefined ? {} : { created: timestampText(o.timestamp), layerMtime: o.timestamp };
}

function emptyConfig(): ImageConfig {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { architecture: arch[process.arch] ?? process.arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } };
}

function stepFailed(i: Instruction, err: unknown): never {
  if (err instanceof TpodError && (err.code === 'ERUNTIME' || err.message.startsWith('building at STEP'))) throw err;
  if (err instanceof TpodError) throw new TpodError(err.code, `building at STEP "${i.text}": ${err.message}`, { cause: err, exitCode: err.exitCode });
  throw err;
}

export async function buildImage(ctx: Context, o: BuildOptions, images: BuildImages, report: BuildReporter): Promise<string> {
  const downloads = new Downloads(ctx.paths.tmp);
  // Images the steps made here: with --squash they are only on the way to the result
  // and go at the end, also when the build fails.
  const made: string[] = [];
  let result: string | undefined;
  try {
    result = await buildStages(ctx, o, images, report, downloads, made);
    return result;
  } finally {
    downloads.dispose();
    if (o.squash !== undefined) await dropImages(ctx, images.store, made.filter((id) => id !== result));
  }
}

async function buildStages(ctx: Context, o: BuildOptions, images: BuildImages, report: BuildReporter, downloads: Downloads, made: string[]): Promise<string> {
  const file = o.containerfile.name;
  const { instructions, escape } = parseContainerfile(o.containerfile.text, file);
  const plan = planStages(instructions, o.buildArgs, file);
  const stages = stagesToBuild(plan, o.target);
  const globals = new Map<string, string>();
  for (const i of plan.globalArgs) {
    for (const [k, v] of i.pairs ?? []) {
      const value = o.buildArgs.get(k) ?? (v !== undefined ? expand(v, globals, escape) : undefined);
      if (value !== undefined) globals.set(k, value);
    }
  }
  const ignored: IgnoreMatcher = o.ignoreFile !== undefined ? ignoreFileMatcher(o.ignoreFile) : o.contextDir !== undefined ? loadIgnore(o.contextDir) : () => false;
  const cache = BuildCache.under(ctx.paths.root);
  const { store } = images;
  const exists = (id: string): boolean => {
    try {
      return store.readImageManifest(ctx, id) !== undefined;
    } catch {
      return false;
    }
  };
  const stageImages = new Map<number, string>();
  const squash = o.squash;
  let result = '';

  for (const [si, stage] of stages.entries()) {
    const last = si === stages.length - 1;
    const prefix = stages.length > 1 ? `[${si + 1}/${stages.length}] ` : '';
    const st = await startStage(ctx, stage, images, stageImages, plan.stages);
    const stageBase = st.parent;
    const squashing = last && squash !== undefined;
    const onbuild = st.config.config?.OnBuild ?? [];
    const steps = [...(onbuild.length > 0 ? parseInstructions(onbuild.join('\n'), `${file} (ONBUILD of ${stage.base})`, false) : []), ...stage.steps];
    if (onbuild.length > 0) {
      st.cfg.body = { ...st.cfg.body };
      delete st.cfg.body.OnBuild;
    }
    const total = steps.length + 1;
    report.line(`${prefix}STEP 1/${total}: ${stage.from.text}`);
    for (const [n, i] of steps.entries()) {
      report.line(`${prefix}STEP ${n + 2}/${total}: ${i.text}`);
      const final = last && n === steps.length - 1;
      const commits = final && !squashing && Object.keys(o.labels).length === 0 ? `${prefix}${commitLine(o.commitName)}` : undefined;
      try {
        await runInstruction(ctx, { o, images, st, i, escape, file, globals, ignored, cache, exists, stageImages, allStages: plan.stages, stage, report, made, downloads, commits });
      } catch (err) {
        stepFailed(i, err);
      }
      if (!squashing && (!final || Object.keys(o.labels).length === 0)) report.line(`--> ${st.parent!.slice(0, 11)}`);
    }
    if (squashing ? st.parent === undefined : steps.length === 0 || (last && Object.keys(o.labels).length > 0)) {
      // A stage of FROM alone (or --label) still makes an image of its own, as Podman does.
      if (last) report.line(`${prefix}${commitLine(o.commitName)}`);
      const body: ImageConfigBody = { ...st.cfg.body, ...(last && Object.keys(o.labels).length > 0 ? { Labels: { ...(st.cfg.body.Labels ?? {}), ...o.labels } } : {}) };
      const { writeConfigImage } = await import('../engine/commit.js');
      st.parent = await writeConfigImage(ctx, { base: st.config, body, names: [], author: st.cfg.author, ...fixedTime(o) });
      report.line(`--> ${st.parent.slice(0, 11)}`);
    }
    if (squashing && st.parent !== undefined) {
      if (Object.keys(o.labels).length > 0) {
        const { writeConfigImage } = await import('../engine/commit.js');
        st.parent = await writeConfigImage(ctx, { base: st.config, body: { ...st.cfg.body, Labels: { ...(st.cfg.body.Labels ?? {}), ...o.labels } }, names: [], author: st.cfg.author, ...fixedTime(o) });
        made.push(st.parent);
      }
      report.line(`${prefix}${commitLine(o.commitName)}`);
      const { squashImage } = await import('./squash.js');
      st.parent = await squashImage(ctx, store, stageBase, st.parent, squash!, fixedTime(o));
      report.line(`--> ${st.parent.slice(0, 11)}`);
    }
    stageImages.set(stage.index, st.parent!);
    result = st.parent!;
  }
  if (o.tags.length > 0) {
    await store.tagImage(ctx, result, o.tags);
    for (const t of o.tags) report.line(`Successfully tagged ${t}`);
  }
  return result;
}

/** The steps' own images after a squash, newest first, where nothing else holds them. */
async function dropImages(ctx: Context, store: BuildImages['store'], ids: string[]): Promise<void> {
  const { WorkDir } = await import('../storage/workdir.js');
  const trash = await WorkDir.create(ctx, 'trash');
  try {
    for (const id of [...new Set(ids)].reverse()) {
      try {
        const img = await store.findImage(ctx, id);
        if (img.names.length === 0 && store.imageInUse(ctx, id).length === 0) await store.removeImage(ctx, id, { force: false, trash });
      } catch (err) {
        ctx.log.debug(`build: kept image ${id.slice(0, 12)}: ${(err as Error).message}`);
      }
    }
  } finally {
    await trash.dispose(ctx);
  }
}

async function startStage(ctx: Context, stage: Stage, images: BuildImages, stageImages: Map<number, string>, all: Stage[]): Promise<StageState> {
  const fromStage = stageByRef(all, stage.base, stage.index);
  let parent: string | undefined;
  if (fromStage) parent = stageImages.get(fromStage.index);
  else if (stage.base.toLowerCase() !== 'scratch') {
    try {
      parent = (await images.pulling.findImage(ctx, stage.base)).id;
    } catch (err) {
      // Podman's words for a base that cannot be had (scripts match them).
      if (err instanceof TpodError) throw new TpodError(err.code, `creating build container: ${err.message}`, { cause: err, exitCode: err.exitCode });
      throw err;
    }
  }
  const config = parent !== undefined ? await images.store.readImageConfig(ctx, parent) : emptyConfig();
  return { parent, config, cfg: { body: { ...(config.config ?? {}) }, cmdSet: false }, args: new Map() };
}

interface StepContext {
  o: BuildOptions;
  images: BuildImages;
  st: StageState;
  i: Instruction;
  escape: string;
  file: string;
  globals: Map<string, string>;
  ignored: IgnoreMatcher;
  cache: BuildCache;
  exists: (id: string) => boolean;
  stageImages: Map<number, string>;
  allStages: Stage[];
  stage: Stage;
  report: BuildReporter;
  made: string[];
  downloads: Downloads;
  /** The build's last step: say COMMIT before its image (buildah: after a cache hit only with a name). */
  commits: string | undefined;
}

/** ARGs in effect with the image's ENV over them (ENV wins, as Docker has it). */
function varsOf(st: StageState): Map<string, string> {
  return new Map([...st.args, ...envMap(st.cfg.body.Env)]);
}

async function layersTopFirst(ctx: Context, images: BuildImages, id: string | undefined): Promise<string[]> {
  if (id === undefined) return [];
  const c = await images.store.readImageConfig(ctx, id);
  return c.rootfs.diff_ids.map((d) => images.store.layerDiffDir(ctx, d)).reverse();
}

async function isDirIn(layers: string[]): Promise<(p: string) => boolean> {
  const { lookupInLayers } = await import('../runtime/user.js');
  return (p) => {
    if (p === '/' || p === '') return true;
    const r = lookupInLayers(layers, p.replace(/\/+$/, ''));
    return r.kind === 'found' && r.st.isDirectory();
  };
}

async function runInstruction(ctx: Context, s: StepContext): Promise<void> {
  const { st, i, o } = s;
  const shell = st.cfg.body.Shell ?? DEFAULT_SHELL;
  if (i.keyword === 'ARG') {
    for (const [k, v] of i.pairs ?? []) {
      const value = o.buildArgs.get(k) ?? (v !== undefined ? expand(v, varsOf(st), s.escape) : s.globals.get(k));
      if (value !== undefined) st.args.set(k, value);
      else st.args.delete(k);
    }
  }
  const before = st.cfg;
  if (!RUNNING.has(i.keyword) && i.keyword !== 'ARG') st.cfg = applyConfigInstruction(st.cfg, i, varsOf(st), s.escape, s.file);
  const vars = varsOf(st);
  const argsInEffect = new Map([...st.args].filter(([k]) => !envMap(st.cfg.body.Env).has(k)));
  const entry: HistoryEntry = { created_by: historyText(i, shell, argsInEffect) };
  const write = (): ImageWrite => ({ base: st.config, body: st.cfg.body, entry, names: [], author: st.cfg.author, ...fixedTime(o) });

  let sources: string | undefined;
  let mountKey = '';
  let exec: () => Promise<string>;
  if (i.keyword === 'RUN') {
    if (st.parent === undefined) throw new TpodError('EUSAGE', 'RUN in a stage FROM scratch with nothing in it: there is no command to run');
    const flags = parseRunFlags(i.flags.map((f) => ({ name: f.name, value: f.value === undefined ? undefined : expand(f.value, vars, s.escape) })), st.cfg.body.WorkingDir || '/');
    const network = flags.network ?? o.network;
    const command = runCommand(i, shell);
    const parent = st.parent;
    if (flags.mounts.length === 0) {
      exec = async () => (await import('./steps.js')).runStep(ctx, s.images.store, parent, command, { env: [...argsInEffect], network, output: o.output, flags: o.runFlags }, i.text, write());
    } else {
      const { runWithMounts, mountsCacheKey } = await import('./run-mounts.js');
      const sources = mountSources(ctx, s);
      mountKey = await mountsCacheKey(flags.mounts, sources);
      exec = async () => runWithMounts(ctx, { store: s.images.store, parent, parentLayers: await layersTopFirst(ctx, s.images, parent), command, env: [...argsInEffect], network, output: o.output, flags: o.runFlags, stepText: i.text, write: write() }, flags.mounts, sources);
    }
  } else if (i.keyword === 'COPY' || i.keyword === 'ADD') {
    const layers = await layersTopFirst(ctx, s.images, st.parent);
    const p = await planCopy(i, {
      contextDir: o.contextDir,
      ignored: s.ignored,
      vars,
      escape: s.escape,
      file: s.file,
      workdir: st.cfg.body.WorkingDir ?? '/',
      isDirInImage: await isDirIn(layers),
      fromImage: async (ref) => {
        const stage = stageByRef(s.allStages, ref, s.stage.index);
        const id = stage ? s.stageImages.get(stage.index) : (await s.images.pulling.findImage(ctx, ref)).id;
        if (id === undefined) throw new TpodError('EUSAGE', `COPY --from=${ref}: that stage was not built`);
        return { id, isDir: await isDirIn(await layersTopFirst(ctx, s.images, id)) };
      },
      download: (url, checksum) => s.downloads.get(url, checksum),
      timestamp: o.timestamp,
    });
    sources = p.digest;
    const parent = st.parent;
    if (parent === undefined || layers.length === 0) {
      if (!p.entries || !/^\d+(:\d+)?$/.test(p.owner)) throw new TpodError('EUSAGE', `${i.keyword} into an empty image takes files from the context, with a numeric --chown`);
      const [uid, gid] = p.owner.split(':').map(Number);
      const entries = p.entries;
      exec = async () => (await import('../engine/commit.js')).commitWithConfig(ctx, { tar: () => copyTar(entries, [], { uid: uid!, gid: gid ?? uid! }, o.timestamp) }, write());
    } else exec = async () => (await import('./steps.js')).copyStep(ctx, s.images.store, parent, p.owner, p.work, write());
  } else {
    exec = async () => (await import('../engine/commit.js')).writeConfigImage(ctx, write());
  }

  const useCache = o.layers;
  const key = cacheKey({ parent: st.parent ?? 'scratch', instruction: `${i.text}\0${expand(i.text, vars, s.escape)}`, args: argsInEffect, sources, extra: `${shell.join(' ')}\0${before.cmdSet}${mountKey !== '' ? `\0${mountKey}` : ''}${o.timestamp !== undefined ? `\0timestamp=${o.timestamp}` : ''}` });
  const hit = useCache && !o.noCache ? s.cache.get(key, s.exists) : undefined;
  let id: string;
  if (hit !== undefined) {
    s.report.line(`--> Using cache ${hit}`);
    if (s.commits !== undefined && o.commitName !== undefined) s.report.line(s.commits);
    id = hit;
  } else {
    id = await exec();
    if (s.commits !== undefined) s.report.line(s.commits);
    s.made.push(id);
    if (useCache) s.cache.put(key, id);
  }
  st.parent = id;
  st.config = await s.images.store.readImageConfig(ctx, id);
  st.cfg = { ...st.cfg, body: { ...(st.config.config ?? {}) } };
}

/** What RUN --mount takes things from: the context, the secrets, earlier stages and images. */
function mountSources(ctx: Context, s: StepContext): import('./run-mounts.js').MountSources {
  const seen = new Map<string, Promise<{ id: string; layers: string[] }>>();
  const image = (ref: string): Promise<{ id: string; layers: string[] }> => {
    let p = seen.get(ref);
    if (!p) {
      p = (async () => {
        const stage = stageByRef(s.allStages, ref, s.stage.index);
        const id = stage ? s.stageImages.get(stage.index) : (await s.images.pulling.findImage(ctx, ref)).id;
        if (id === undefined) throw new TpodError('EUSAGE', `RUN --mount from=${ref}: that stage was not built`);
        return { id, layers: await layersTopFirst(ctx, s.images, id) };
      })();
      seen.set(ref, p);
    }
    return p;
  };
  return { contextDir: s.o.contextDir, secrets: s.o.secrets ?? new Map(), image };
}

/** RUN's command: the exec form, a heredoc run as a script, or the shell form (heredocs kept for the shell). */
export function runCommand(i: Instruction, shell: string[]): string[] {
  if (i.heredocs.length === 0) return commandOf(i, shell);
  const only = /^<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1$/.exec(i.args.trim());
  if (only && i.heredocs.length === 1) return [...shell, i.heredocs[0]!.body];
  return [...shell, `${i.args}\n${i.heredocs.map((h) => `${h.body}${h.name}`).join('\n')}`];
}

function historyText(i: Instruction, shell: string[], args: Map<string, string>): string {
  const argText = args.size > 0 ? `|${args.size} ${[...args].map(([k, v]) => `${k}=${v}`).join(' ')} ` : '';
  // buildah records RUN's flags (its --mount and --network) with the command, as written.
  const flags = i.flags.map((f) => `--${f.name}${f.value !== undefined ? `=${f.value}` : ''} `).join('');
  if (i.keyword === 'RUN') return `${argText}${(i.json && flags === '' ? i.json : [...shell, `${flags}${i.args}`]).join(' ')}`;
  return `/bin/sh -c #(nop) ${i.text}`;
}
