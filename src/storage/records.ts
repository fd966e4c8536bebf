// The layout containers and pods share: <dir>/<id>/<file> holds a record (JSON, written
// last and atomically, so a directory without it is what a killed create left), and
// <dir>/names/<name> is a symlink to the id (creating it is atomic and exclusive, so a
// name never belongs to two records; one naming a missing record is stale). Locking is
// the callers' (each store has its own lock file); this module only reads and writes.
import { readdirSync, readlinkSync, symlinkSync, unlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TpodError, isErrno } from '../errors.js';
import { readJson, writeJsonAtomic } from './atomic.js';

export const ID_RE = /^[0-9a-f]{64}$/;
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** What every stored record has. */
export interface NamedRecord {
  id: string;
  name: string;
  /** ISO time: sorts as a string. */
  created: string;
}

// Web Crypto (a global, loaded on first use) instead of importing node:crypto, whose
// load costs ~4 ms on every command that only reads records (ps).
function randomHex(bytes: number): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}

/**
 * A record that cannot be read as one: truncated by a full disk or a crash, or missing
 * what every record has. Listings skip it (and say so where asked); commands aimed at it
 * get this error.
 */
export class CorruptRecordError extends TpodError {
  constructor(
    readonly id: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super('ESTORAGE', `record ${path} is corrupt: ${problem}`);
    this.name = 'CorruptRecordError';
  }
}

/** Why a parsed record is not a record of this store (undefined: it is one). */
export type RecordCheck = (value: unknown, id: string) => string | undefined;

/** What every record has: an object with its own id, a name and a creation time. */
export function checkNamedRecord(value: unknown, id: string): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'it is not a JSON object';
  const o = value as Record<string, unknown>;
  if (o.id !== id) return `its id is ${JSON.stringify(o.id)}, not ${id}`;
  if (typeof o.name !== 'string' || o.name === '') return 'it has no name';
  if (typeof o.created !== 'string') return 'it has no creation time';
  return undefined;
}

export interface RecordScan<R> {
  /** Every complete record, oldest first. */
  records: R[];
  broken: CorruptRecordError[];
}

export class RecordDir<R extends NamedRecord> {
  constructor(
    /** Holds <id>/ and names/. */
    readonly dir: string,
    /** The record's file name inside <id>/. */
    readonly file: string,
    private readonly check: RecordCheck = checkNamedRecord,
  ) {}

  get namesDir(): string {
    return join(this.dir, 'names');
  }

  idDir(id: string): string {
    return join(this.dir, id);
  }

  recordPath(id: string): string {
    return join(this.dir, id, this.file);
  }

  /** The record, undefined when there is none; a corrupt one throws CorruptRecordError. */
  read(id: string): R | undefined {
    if (!ID_RE.test(id)) return undefined;
    const path = this.recordPath(id);
    let value: unknown;
    try {
      value = readJson<unknown>(path);
    } catch (err) {
      if (err instanceof TpodError && err.code === 'ESTORAGE') throw new CorruptRecordError(id, path, (err.cause as Error | undefined)?.message ?? err.message);
      throw err;
    }
    if (value === undefined) return undefined;
    const problem = this.check(value, id);
    if (problem !== undefined) throw new CorruptRecordError(id, path, problem);
    return value as R;
  }

  /** Like read, but a corrupt record reads as 'corrupt' instead of throwing. */
  readOrCorrupt(id: string): R | undefined | 'corrupt' {
    try {
      return this.read(id);
    } catch (err) {
      if (err instanceof CorruptRecordError) return 'corrupt';
      throw err;
    }
  }

  write(rec: R): void {
    writeJsonAtomic(this.recordPath(rec.id), rec);
  }

  /** Rewrites a record with changes; its id and name stay. Caller holds the lock. */
  update(id: string, patch: Partial<R>): R | undefined {
    const cur = this.read(id);
    if (!cur) return undefined;
    const next: R = { ...cur, ...patch, id: cur.id, name: cur.name };
    this.write(next);
    return next;
  }

  /** The id a name link points to, whether or not its record exists. */
  nameTarget(name: string): string | undefined {
    try {
      return readlinkSync(join(this.namesDir, name));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  /**
   * The id of the complete record that has NAME, if any. A corrupt record keeps the name
   * its link gives it (nothing can say otherwise), until it is removed.
   */
  nameOwner(name: string): string | undefined {
    const target = this.nameTarget(name);
    if (target === undefined) return undefined;
    const r = this.readOrCorrupt(target);
    return r === 'corrupt' || r?.name === name ? target : undefined;
  }

  /** Like nameOwner, but removes a stale link. Caller holds the lock. */
  ownerOrDropStale(name: string): string | undefined {
    const owner = this.nameOwner(name);
    if (owner !== undefined) return owner;
    if (this.nameTarget(name) !== undefined) unlinkSync(join(this.namesDir, name));
    return undefined;
  }

  /** The names whose links point to ID (for a corrupt record, whose own name is unknown). */
  namesOf(id: string): string[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.namesDir);
    } catch {
      return [];
    }
    return names.filter((n) => this.nameTarget(n) === id);
  }

  /** Links NAME to ID; throws EEXIST when the name is taken. Caller holds the lock. */
  linkName(name: string, id: string): void {
    symlinkSync(id, join(this.namesDir, name));
  }

  /** Drops the name link if it still points to ID. Caller holds the lock. */
  unlinkName(name: string, id: string): void {
    if (this.nameTarget(name) === id) unlinkSync(join(this.namesDir, name));
  }

  /** A fresh random id with no directory yet. */
  newId(): string {
    let id = randomHex(32);
    while (existsSync(this.idDir(id))) id = randomHex(32);
    return id;
  }

  ids(): string[] {
    try {
      return readdirSync(this.dir).filter((n) => ID_RE.test(n));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
  }

  /** Every complete record, oldest first; corrupt ones are skipped (see scan). */
  list(): R[] {
    return this.scan().records;
  }

  /** Every complete record, oldest first, and the corrupt ones apart. */
  scan(): RecordScan<R> {
    const records: R[] = [];
    const broken: CorruptRecordError[] = [];
    for (const id of this.ids()) {
      try {
        const r = this.read(id);
        if (r) records.push(r);
      } catch (err) {
        if (!(err instanceof CorruptRecordError)) throw err;
        broken.push(err);
      }
    }
    // ISO times sort as strings; localeCompare would load ICU's collator (~20 ms, on ps's path).
    records.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
    return { records, broken };
  }

  /**
   * By full id, name, or unique id prefix, as Podman looks things up; undefined when
   * nothing matches. `ambiguous` makes the error for a prefix that matches several.
   */
  lookup(nameOrId: string, ambiguous: (prefix: string) => Error): R | undefined {
    if (ID_RE.test(nameOrId)) {
      const r = this.read(nameOrId);
      if (r) return r;
    }
    if (NAME_RE.test(nameOrId)) {
      const target = this.nameTarget(nameOrId);
      const r = target === undefined ? undefined : this.read(target);
      if (r && r.name === nameOrId) return r;
    }
    if (/^[0-9a-f]+$/.test(nameOrId)) {
      const matches = this.ids().filter((id) => id.startsWith(nameOrId) && existsSync(this.recordPath(id)));
      if (matches.length > 1) throw ambiguous(nameOrId);
      const r = matches[0] === undefined ? undefined : this.read(matches[0]);
      if (r) return r;
    }
    return undefined;
  }

  /** Ids whose directory has no record (what a killed create left). */
  leftoverIds(): string[] {
    return this.ids().filter((id) => !existsSync(this.recordPath(id)));
  }

  /** Removes the name links that do not name a complete record; returns their names. Caller holds the lock. */
  removeStaleNames(): string[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.namesDir);
    } catch {
      /* no names yet */
    }
    const removed: string[] = [];
    for (const n of names) {
      if (this.nameOwner(n) !== undefined) continue;
      unlinkSync(join(this.namesDir, n));
      removed.push(n);
    }
    return removed;
  }
}
