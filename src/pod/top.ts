// `tpod pod top`: the processes of every running member (infra included), read from /proc
// as `top` does (src/engine/top.ts). As psgo does for Podman, a pid namespace shared by
// several members is listed once, the header comes once, and a descriptor psgo does not
// know is an error (there is no ps(1) fallback for pods). A pod with nothing running
// prints nothing, as Podman's does.
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { containerProcesses, parseDescriptors, topContext, topTable, HOST_PROC, type ProcSource } from '../engine/top.js';
import type { PodView } from './state.js';

/** The descriptors asked for (comma lists allowed), or Podman's error naming the first unknown one. */
export function podDescriptors(args: string[]): string[] {
  const parsed = parseDescriptors(args);
  if (parsed) return parsed;
  const bad = args.flatMap((a) => a.split(',')).find((d) => d !== '' && parseDescriptors([d]) === undefined) ?? args.join(' ');
  throw new TpodError('EUSAGE', `'${bad}': unknown descriptor`);
}

/** Init pids of the running members, one per pid namespace, infra first. */
export function podInitPids(v: PodView, src: ProcSource = HOST_PROC): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  for (const m of v.members) {
    if (m.status !== 'running' || m.pid === undefined) continue;
    let ns: string;
    try {
      ns = readlinkSync(join(src.root, String(m.pid), 'ns', 'pid'));
    } catch {
      continue; // it ended since its state was read
    }
    if (seen.has(ns)) continue;
    seen.add(ns);
    out.push(m.pid);
  }
  return out;
}

/** The table `pod top` prints: one header, then each namespace's processes. */
export function podTop(_ctx: Context, v: PodView, args: string[], src: ProcSource = HOST_PROC): { headers: string[]; rows: string[][] } | undefined {
  const descriptors = podDescriptors(args);
  const pids = podInitPids(v, src);
  if (pids.length === 0) return undefined;
  let headers: string[] = [];
  const rows: string[][] = [];
  for (const pid of pids) {
    let procs;
    try {
      procs = containerProcesses(pid, src);
    } catch {
      continue; // stopped meanwhile
    }
    const t = topTable(procs, descriptors, topContext(pid, src));
    headers = t.headers;
    rows.push(...t.rows);
  }
  return headers.length > 0 ? { headers, rows } : undefined;
}
