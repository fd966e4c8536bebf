// Reads Quadlet files from the search directories: the first file of a name wins, and
// drop-ins (`web.container.d/*.conf`, `container.d/*.conf`, and the dash-truncated
// `foo-.container.d/` of `foo-bar.container`) are merged in, most specific last.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { TpodError, isErrno } from '../errors.js';
import { UnitFile } from './unit-file.js';

/** Every extension Podman's Quadlet knows; tpod refuses the ones it cannot run with a clear error. */
export const QUADLET_EXTENSIONS = ['.container', '.volume', '.network', '.image', '.pod', '.kube', '.build'] as const;
export type QuadletExt = (typeof QUADLET_EXTENSIONS)[number];

export function quadletExt(name: string): QuadletExt | undefined {
  const ext = extname(name);
  return (QUADLET_EXTENSIONS as readonly string[]).includes(ext) ? (ext as QuadletExt) : undefined;
}

export interface LoadResult {
  units: UnitFile[];
  /** Files that could not be read or parsed: the rest still load. */
  errors: TpodError[];
}

export function parseQuadletFile(given: string, filename = basename(given)): UnitFile {
  // Absolute: SourcePath= and paths relative to the file (EnvironmentFile=) need it.
  const path = resolve(given);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TpodError('EQUADLET', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return UnitFile.parse(text, path, filename);
}

/** Drop-in directory names for a unit, broadest first (merged in this order). */
export function dropinDirNames(filename: string): string[] {
  const ext = extname(filename);
  const base = filename.slice(0, -ext.length);
  const names = [`${ext.slice(1)}.d`];
  const at = base.indexOf('@');
  const name = at >= 0 ? base.slice(0, at) : base;
  const instance = at >= 0 ? base.slice(at + 1) : '';
  const parts = name.split('-');
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('-') + '-';
    names.push(`${prefix}${ext}.d`);
    if (at >= 0) names.push(`${prefix}@${ext}.d`);
  }
  if (instance !== '') names.push(`${name}@${ext}.d`);
  names.push(`${filename}.d`);
  return names;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
    throw err;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Merges drop-ins as systemd does: all `.conf` files of all drop-in dirs in name order; of
 * two with the same name, the one in the more specific dir (then the earlier search dir) wins.
 */
export function applyDropins(unit: UnitFile, dirs: string[], errors: TpodError[]): void {
  const chosen = new Map<string, string>();
  for (const dname of dropinDirNames(unit.filename).reverse()) {
    for (const d of dirs) {
      for (const f of listDir(join(d, dname))) {
        if (f.endsWith('.conf') && !chosen.has(f) && isFile(join(d, dname, f))) chosen.set(f, join(d, dname, f));
      }
    }
  }
  for (const f of [...chosen.keys()].sort()) {
    try {
      unit.merge(parseQuadletFile(chosen.get(f)!));
    } catch (err) {
      errors.push(err instanceof TpodError ? err : new TpodError('EQUADLET', String(err)));
    }
  }
}

/** Loads every Quadlet file from the directories (first of a name wins), with drop-ins. */
export function loadQuadlets(dirs: string[]): LoadResult {
  const units: UnitFile[] = [];
  const errors: TpodError[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    for (const name of listDir(dir)) {
      if (seen.has(name) || !quadletExt(name) || !isFile(join(dir, name))) continue;
      seen.add(name);
      try {
        units.push(parseQuadletFile(join(dir, name)));
      } catch (err) {
        errors.push(err instanceof TpodError ? err : new TpodError('EQUADLET', String(err)));
      }
    }
  }
  for (const u of units) applyDropins(u, dirs, errors);
  return { units, errors };
}
