// Writing generated units: into a generator's output directory (systemd gives a fresh
// one on every reload), or into the user's unit directory (~/.config/systemd/user) for
// users without the generator, where a manifest remembers what tpod wrote so that a
// later sync removes units of Quadlet files that are gone, and never touches the user's
// own unit files.
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { TpodError, isErrno } from '../errors.js';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../storage/atomic.js';
import { GENERATED_MARKER, type GeneratedUnit } from './generate.js';
import { formatWhere, type UnitFile } from './unit-file.js';

export const MANIFEST = '.tpod-quadlet.json';

interface Manifest {
  units: string[];
  links: string[];
}

/** A unit or link name from a Quadlet file: a plain file name, never a path. */
function isPlainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/**
 * The symlinks `systemctl enable` would make for the unit's [Install] section, relative
 * to the unit directory: Alias=, WantedBy= (X.wants/), RequiredBy= (X.requires/). A
 * generator cannot run `enable`, so it makes them itself. Names with a `/` are refused:
 * they could point the link outside the directory.
 */
export function installLinks(unit: UnitFile, warn: (msg: string) => void = () => {}): string[] {
  const links: string[] = [];
  for (const alias of unit.lookupAllStrv('Install', 'Alias')) {
    if (isPlainName(alias)) links.push(alias);
    else warn(`${formatWhere(unit.lastEntry('Install', 'Alias')?.where)}: Alias=${alias}: an alias is a unit name, not a path; ignored`);
  }
  let name: string | undefined = unit.filename;
  const ext = name.slice(name.lastIndexOf('.'));
  const base = name.slice(0, -ext.length);
  const at = base.indexOf('@');
  if (at >= 0 && at === base.length - 1) {
    // A template: enabled only through DefaultInstance=.
    const inst = unit.lookup('Install', 'DefaultInstance');
    name = inst ? `${base}${inst}${ext}` : undefined;
  }
  if (name !== undefined) {
    for (const [key, dir] of [['WantedBy', 'wants'], ['RequiredBy', 'requires']] as const) {
      for (const target of unit.lookupAllStrv('Install', key)) {
        if (isPlainName(target)) links.push(`${target}.${dir}/${name}`);
        else warn(`${formatWhere(unit.lastEntry('Install', key)?.where)}: ${key}=${target}: a unit name, not a path; ignored`);
      }
    }
  }
  return links;
}

function writeUnitFile(path: string, text: string): void {
  try {
    writeFileAtomic(path, text, 0o644);
  } catch (err) {
    throw new TpodError('EQUADLET', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function linkTarget(linkRel: string, unitName: string): string {
  return relative(dirname(join('/', linkRel)), join('/', unitName));
}

function makeLink(dir: string, linkRel: string, unitName: string): void {
  const path = join(dir, linkRel);
  mkdirSync(dirname(path), { recursive: true });
  try {
    unlinkSync(path);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  symlinkSync(linkTarget(linkRel, unitName), path);
}

/** Generator mode: every unit and its links into systemd's (fresh) output directory. */
export function writeGenerated(dir: string, units: GeneratedUnit[], warn: (msg: string) => void): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new TpodError('EQUADLET', `cannot create the output directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  for (const u of units) {
    writeUnitFile(join(dir, u.name), u.text);
    if (!u.unit) continue;
    for (const link of installLinks(u.unit, warn)) {
      try {
        makeLink(dir, link, u.name);
      } catch (err) {
        warn(`cannot create ${join(dir, link)}: ${(err as Error).message}`);
      }
    }
  }
}

function isOurUnitFile(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').startsWith(`# ${GENERATED_MARKER}`);
  } catch {
    return false;
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

export interface SyncReport {
  written: string[];
  removed: string[];
  /** Units not written: a file of the user's own has that name. */
  conflicts: TpodError[];
}

/**
 * Makes `dir` (the user's unit directory) hold exactly `units` of tpod's making: writes
 * them and their [Install] links, removes what an earlier sync wrote and is no longer
 * generated. A unit file tpod did not write is never overwritten or removed.
 */
export function syncUnitDir(dir: string, units: GeneratedUnit[], warn: (msg: string) => void): SyncReport {
  const manifestPath = join(dir, MANIFEST);
  const old: Manifest = readJson<Manifest>(manifestPath) ?? { units: [], links: [] };
  const report: SyncReport = { written: [], removed: [], conflicts: [] };
  const next: Manifest = { units: [], links: [] };
  if (units.length > 0) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new TpodError('EQUADLET', `cannot create ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }
  for (const u of units) {
    const path = join(dir, u.name);
    if (existsSync(path) && !old.units.includes(u.name) && !isOurUnitFile(path)) {
      report.conflicts.push(new TpodError('EQUADLET', `${path} exists and was not written by tpod: not replacing it with the unit generated from ${u.source?.path ?? 'tpod'}`));
      continue;
    }
    writeUnitFile(path, u.text);
    next.units.push(u.name);
    report.written.push(u.name);
    for (const link of u.unit ? installLinks(u.unit, warn) : []) {
      const lp = join(dir, link);
      if (existsSync(lp) && !isSymlink(lp)) {
        warn(`${lp} exists and is not a link; not replacing it`);
        continue;
      }
      makeLink(dir, link, u.name);
      next.links.push(link);
    }
  }
  for (const link of old.links) {
    if (next.links.includes(link)) continue;
    const lp = join(dir, link);
    if (isSymlink(lp)) {
      unlinkSync(lp);
      // An empty X.wants/ left behind would be harmless, but it is ours.
      try {
        if (readdirSync(dirname(lp)).length === 0) rmdirSync(dirname(lp));
      } catch {
        /* not empty or gone */
      }
    }
  }
  for (const name of old.units) {
    if (next.units.includes(name)) continue;
    const path = join(dir, name);
    if (isOurUnitFile(path)) {
      unlinkSync(path);
      report.removed.push(name);
    }
  }
  if (next.units.length > 0 || existsSync(manifestPath)) {
    if (next.units.length === 0 && next.links.length === 0) {
      try {
        unlinkSync(manifestPath);
      } catch {
        /* gone */
      }
    } else {
      writeJsonAtomic(manifestPath, next, 0o644);
    }
  }
  return report;
}

/** The units tpod wrote into the user's unit directory (for `list` and `rm`). */
export function syncedUnits(dir: string): string[] {
  return readJson<Manifest>(join(dir, MANIFEST))?.units ?? [];
}
