// `tpod quadlet install|list|rm|print`: Quadlet files in the user's directory
// ($XDG_CONFIG_HOME/containers/systemd), the units made from them, and systemd told.
// Without tpod's generator (install.sh installs it when run as root) the units are
// written to ~/.config/systemd/user; with it, systemd makes them on daemon-reload.
//
// An application is a directory installed as one: its files are listed in `.NAME.app`
// in the Quadlet directory, and removing any of its Quadlets removes all of it. Extra
// files given after a single Quadlet file are listed in `.FILE.asset`.
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, unlinkSync, chmodSync, mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { TpodError, isErrno } from '../errors.js';
import type { HostEnv } from '../storage/paths.js';
import { writeFileAtomic } from '../storage/atomic.js';
import type { TpodFeatures } from './cmdline.js';
import { kindOf, serviceNameOf } from './common.js';
import { PODMAN_GENERATOR, TPOD_GENERATOR, USER_GENERATOR_DIRS, findUserGenerator, quadletSearchDirs, userQuadletDir, userUnitDir } from './dirs.js';
import { generateUnits, type GenerateResult } from './generate.js';
import { loadQuadlets, parseQuadletFile, quadletExt } from './load.js';
import { syncUnitDir } from './output.js';
import { daemonReload, managerReachable, statusText, stopUnit, unitStates } from './systemctl.js';
import type { UnitFile } from './unit-file.js';

export interface QuadletEnv {
  host: HostEnv;
  /** /etc/containers/systemd, for tests. */
  adminDir?: string;
  /** Where systemd looks for user generators (TPOD_USER_GENERATOR_DIRS in tests). */
  generatorDirs?: string[];
  tpod: string[];
  features: TpodFeatures;
  warn: (msg: string) => void;
}

export interface QuadletRow {
  Name: string;
  UnitName: string;
  Path: string;
  Status: string;
  App: string;
}

function searchDirs(env: QuadletEnv): string[] {
  return quadletSearchDirs({ host: env.host, ...(env.adminDir ? { adminDir: env.adminDir } : {}) });
}

/** Every Quadlet file systemd would see, with `extra` replacing files of the same name. */
export function allSources(env: QuadletEnv, extra: UnitFile[] = []): { units: UnitFile[]; errors: TpodError[] } {
  const loaded = loadQuadlets(searchDirs(env));
  const names = new Set(extra.map((u) => u.filename));
  return { units: [...extra, ...loaded.units.filter((u) => !names.has(u.filename))], errors: loaded.errors };
}

export function generateAll(env: QuadletEnv, extra: UnitFile[] = []): GenerateResult {
  const { units, errors } = allSources(env, extra);
  const result = generateUnits(units, { tpod: env.tpod, features: env.features, isUser: true });
  result.errors.unshift(...errors);
  return result;
}

/**
 * tpod's generator, when it makes the units on daemon-reload: installed, and not standing
 * down for Podman's generator (which reads the same files).
 */
export function generatorInstalled(env: QuadletEnv): string | undefined {
  const dirs = env.generatorDirs ?? USER_GENERATOR_DIRS;
  if (findUserGenerator(PODMAN_GENERATOR, dirs)) return undefined;
  return findUserGenerator(TPOD_GENERATOR, dirs);
}

/**
 * Brings the user's unit directory in line with the Quadlet files (when no generator
 * does it) and reloads systemd. Files that make no unit are warned about (a removed
 * file may break one that used it); per-key warnings were said when they were installed.
 */
export function refreshUnits(env: QuadletEnv, reload: boolean): void {
  const dir = userUnitDir(env.host);
  if (generatorInstalled(env)) {
    // Units written before the generator was installed would hide its fresh ones.
    syncUnitDir(dir, [], env.warn);
  } else {
    const result = generateAll(env);
    for (const e of result.errors) env.warn(`${e.message} (no unit written)`);
    for (const c of syncUnitDir(dir, result.units, env.warn).conflicts) env.warn(c.message);
  }
  if (!reload) return;
  if (!managerReachable(env.host.env)) {
    env.warn('no systemd user manager is reachable (XDG_RUNTIME_DIR/systemd/private): run `systemctl --user daemon-reload` once it runs');
    return;
  }
  const err = daemonReload(env.host.env);
  if (err) env.warn(`systemctl --user daemon-reload: ${err}`);
}

// ------------------------------------------------------------------ applications

function metaFiles(dir: string, suffix: '.app' | '.asset'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    if (!n.startsWith('.') || !n.endsWith(suffix)) continue;
    const files = readFileSync(join(dir, n), 'utf8').split('\n').filter((l) => l !== '' && !l.includes('/'));
    out.set(n.slice(1, -suffix.length), files);
  }
  return out;
}

/** The application a file of the user's Quadlet directory belongs to. */
function appOf(dir: string, file: string): string | undefined {
  for (const [app, files] of metaFiles(dir, '.app')) if (files.includes(file)) return app;
  return undefined;
}

// ------------------------------------------------------------------ install

export interface InstallOptions {
  replace: boolean;
  reload: boolean;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Installs Quadlet files (or a directory as an application); returns the installed paths. */
export function installQuadlets(env: QuadletEnv, args: string[], opts: InstallOptions): string[] {
  const first = args[0];
  if (first === undefined) throw new TpodError('EUSAGE', 'give a Quadlet file or an application directory to install');
  for (const a of args) {
    if (/^[a-z]+:\/\//i.test(a)) throw new TpodError('EUSAGE', `${a}: tpod installs Quadlets from local files only; download it first`);
  }
  let files: string[];
  let app: string | undefined;
  if (isDirectory(first)) {
    if (args.length > 1) throw new TpodError('EUSAGE', 'an application directory is installed on its own: give no other files after it');
    app = basename(resolve(first));
    files = readdirSync(first)
      .filter((n) => !n.startsWith('.') && statSync(join(first, n)).isFile())
      .sort()
      .map((n) => join(first, n));
    if (!files.some((f) => quadletExt(f))) throw new TpodError('EQUADLET', `${first} holds no Quadlet file (.container, .volume, .network, .image, .pod)`);
  } else {
    if (!existsSync(first)) throw new TpodError('EQUADLET', `${first}: no such file`);
    if (!quadletExt(first)) throw new TpodError('EQUADLET', `${first} is not a Quadlet file: its name must end in .container, .volume, .network, .image or .pod`);
    files = args;
    for (const f of files) if (!existsSync(f) || isDirectory(f)) throw new TpodError('EQUADLET', `${f}: no such file`);
  }
  const dir = userQuadletDir(env.host);
  const names = new Set<string>();
  for (const f of files) {
    const n = basename(f);
    if (names.has(n)) throw new TpodError('EQUADLET', `two files named ${n} given`);
    names.add(n);
    const dest = join(dir, n);
    if (!opts.replace && existsSync(dest)) throw new TpodError('EQUADLET', `a file named ${n} is already installed (${dest}); use --replace to overwrite it`);
  }
  if (app !== undefined && !opts.replace && existsSync(join(dir, `.${app}.app`))) {
    throw new TpodError('EQUADLET', `an application named ${app} is already installed; use --replace to overwrite it`);
  }

  // Every Quadlet file must make a unit before anything is written.
  const quadlets = files.filter((f) => quadletExt(f));
  const parsed = quadlets.map((f) => parseQuadletFile(f));
  const result = generateAll(env, parsed);
  // Warnings first: a misspelt section explains a missing key.
  for (const w of result.warnings) if (parsed.some((u) => w.startsWith(u.path))) env.warn(w);
  const failures = result.errors.filter((e) => parsed.some((u) => e.message.startsWith(u.path)));
  if (failures.length > 0) throw new TpodError('EQUADLET', failures.map((e) => e.message).join('\n'));

  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (app !== undefined) {
    // A new version of an application: files it no longer has go.
    for (const old of metaFiles(dir, '.app').get(app) ?? []) if (!names.has(old)) removeIfPresent(join(dir, old));
  }
  const installed: string[] = [];
  for (const f of files) {
    const dest = join(dir, basename(f));
    // A fresh file, never writing through a link that sits there.
    removeIfPresent(dest);
    copyFileSync(f, dest);
    chmodSync(dest, 0o644);
    installed.push(dest);
  }
  if (app !== undefined) writeFileAtomic(join(dir, `.${app}.app`), files.map((f) => basename(f)).join('\n') + '\n', 0o644);
  const assets = files.slice(1).filter((f) => !quadletExt(f));
  if (app === undefined && assets.length > 0) writeFileAtomic(join(dir, `.${basename(first)}.asset`), assets.map((f) => basename(f)).join('\n') + '\n', 0o644);
  refreshUnits(env, opts.reload);
  return installed;
}

// ------------------------------------------------------------------ list

export function listQuadlets(env: QuadletEnv): QuadletRow[] {
  const { units, errors } = allSources(env);
  for (const e of errors) env.warn(e.message);
  const own = userQuadletDir(env.host);
  const rows = units.map((u) => {
    const kind = kindOf(u.filename)!;
    const inOwn = resolve(u.path, '..') === resolve(own);
    return { Name: u.filename, UnitName: `${serviceNameOf(u, kind)}.service`, Path: u.path, Status: '', App: inOwn ? appOf(own, u.filename) ?? '' : '' };
  });
  const states = unitStates(rows.map((r) => r.UnitName), env.host.env);
  for (const r of rows) r.Status = statusText(states.get(r.UnitName));
  return rows.sort((a, b) => a.Name.localeCompare(b.Name));
}

// ------------------------------------------------------------------ rm

export interface RemoveOptions {
  all: boolean;
  force: boolean;
  ignore: boolean;
  reload: boolean;
}

export interface RemoveReport {
  removed: string[];
  errors: TpodError[];
}

/** Removes installed Quadlets (by file name or application name) and their units. */
export function removeQuadlets(env: QuadletEnv, names: string[], opts: RemoveOptions): RemoveReport {
  const dir = userQuadletDir(env.host);
  const apps = metaFiles(dir, '.app');
  const assets = metaFiles(dir, '.asset');
  let present: string[] = [];
  try {
    present = readdirSync(dir).filter((n) => quadletExt(n));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  const report: RemoveReport = { removed: [], errors: [] };
  const targets = opts.all ? [...present, ...apps.keys()] : names;
  const done = new Set<string>();
  const states = unitStates(present.map((n) => `${serviceNameOfFile(dir, n)}.service`), env.host.env);
  for (const name of targets) {
    if (done.has(name)) continue;
    // An application's name, or a file that belongs to one: the whole application goes.
    const app = apps.has(name) ? name : appOf(dir, name);
    let files: string[];
    if (app !== undefined) files = apps.get(app) ?? [];
    else if (present.includes(name)) files = [name, ...(assets.get(name) ?? [])];
    else {
      if (!opts.ignore) report.errors.push(notInstalled(env, name));
      continue;
    }
    const quadlets = files.filter((f) => quadletExt(f) && existsSync(join(dir, f)));
    try {
      for (const q of quadlets) {
        const unit = `${serviceNameOfFile(dir, q)}.service`;
        const st = states.get(unit);
        if (st && (st.active === 'active' || st.active === 'activating' || st.active === 'reloading')) {
          // A .volume/.network/.image service is a oneshot that stays "active (exited)"
          // after making its resource: nothing runs, so it is stopped without --force.
          const holdsNothing = st.active === 'active' && st.sub === 'exited';
          if (!opts.force && !holdsNothing) throw new TpodError('EQUADLET', `${q} is running (${unit} is ${st.active}): stop it first, or use --force`);
          const err = stopUnit(unit, env.host.env);
          if (err) throw new TpodError('EQUADLET', `stopping ${unit}: ${err}`);
        }
      }
    } catch (err) {
      report.errors.push(err as TpodError);
      continue;
    }
    for (const f of files) {
      try {
        unlinkSync(join(dir, f));
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) report.errors.push(new TpodError('EQUADLET', `cannot remove ${join(dir, f)}: ${(err as Error).message}`));
      }
      done.add(f);
    }
    for (const meta of app !== undefined ? [`.${app}.app`] : quadlets.map((q) => `.${q}.asset`)) {
      try {
        unlinkSync(join(dir, meta));
      } catch {
        /* none */
      }
    }
    if (app !== undefined) done.add(app);
    report.removed.push(...quadlets);
  }
  if (report.removed.length > 0) refreshUnits(env, opts.reload);
  return report;
}

function removeIfPresent(p: string): void {
  try {
    unlinkSync(p);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw new TpodError('EQUADLET', `cannot replace ${p}: ${(err as Error).message}`, { cause: err });
  }
}

function serviceNameOfFile(dir: string, file: string): string {
  try {
    return serviceNameOf(parseQuadletFile(join(dir, file)), kindOf(file)!);
  } catch {
    return file.slice(0, file.lastIndexOf('.'));
  }
}

function notInstalled(env: QuadletEnv, name: string): TpodError {
  const elsewhere = allSources(env).units.find((u) => u.filename === name);
  if (elsewhere) {
    return new TpodError('EQUADLET', `${name} is not in your Quadlet directory (${userQuadletDir(env.host)}) but in ${elsewhere.path}: tpod removes only Quadlets you installed`);
  }
  return new TpodError('EQUADLET', `no Quadlet or application named ${name} is installed`);
}

// ------------------------------------------------------------------ print

/** A Quadlet file by name (as systemd would pick it) or by path. */
export function findQuadlet(env: QuadletEnv, nameOrPath: string): UnitFile {
  if (nameOrPath.includes('/')) {
    if (!existsSync(nameOrPath)) throw new TpodError('EQUADLET', `${nameOrPath}: no such file`);
    return parseQuadletFile(nameOrPath);
  }
  const found = allSources(env).units.find((u) => u.filename === nameOrPath);
  if (!found) throw new TpodError('EQUADLET', `no Quadlet named ${nameOrPath} was found (looked in ${searchDirs(env).join(', ') || 'no existing directory'})`);
  return found;
}

/** The generated unit for a Quadlet file (by name or path). */
export function unitFor(env: QuadletEnv, nameOrPath: string): { text: string; warnings: string[] } {
  const q = findQuadlet(env, nameOrPath);
  const result = generateAll(env, nameOrPath.includes('/') ? [q] : []);
  const warnings = result.warnings.filter((w) => w.startsWith(q.path));
  const failure = result.infos.get(q.filename)?.failure;
  if (failure) {
    for (const w of warnings) env.warn(w);
    throw failure;
  }
  const unit = result.units.find((u) => u.source?.filename === q.filename);
  if (!unit) throw new TpodError('EQUADLET', `${q.path} produced no unit`);
  return { text: unit.text, warnings };
}

export function readQuadletText(env: QuadletEnv, nameOrPath: string): string {
  const q = findQuadlet(env, nameOrPath);
  return readFileSync(q.path, 'utf8');
}
