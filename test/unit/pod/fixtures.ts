// Pod and container records written straight into a temp store, and a fake /proc in
// which the monitors of "running" and "paused" records are alive.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../../../src/engine/context.js';
import type { HostProc } from '../../../src/engine/state.js';
import type { ContainerRecord } from '../../../src/storage/containers.js';
import { writeJsonAtomic } from '../../../src/storage/atomic.js';
import { podDir, podsDir, type PodRecord } from '../../../src/storage/pods.js';

export const hex = (c: string): string => c.repeat(64);

export function ctrRec(id: string, name: string, extra: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id, name, image: 'busybox', imageId: 'f'.repeat(64), imageName: 'localhost/busybox:latest',
    command: ['sleep', '1000'], created: '2026-01-01T11:00:00.000Z', state: 'created', runtime: 'crun', driver: 'overlay',
    layers: [], hostname: id.slice(0, 12), network: 'none', rm: false, tty: false, interactive: false, ...extra,
  };
}

/** A record whose monitor the fake /proc reports alive, in STATE. */
export function live(state: 'running' | 'paused', pid: number): Partial<ContainerRecord> {
  return { state, monitorPid: 5000 + pid, monitorStartTime: '42', bootId: 'boot', pid, startedAt: '2026-01-01T11:30:00.000Z' };
}

export function writeCtr(ctx: Context, rec: ContainerRecord): ContainerRecord {
  mkdirSync(join(ctx.paths.containers, rec.id), { recursive: true });
  writeJsonAtomic(join(ctx.paths.containers, rec.id, 'container.json'), rec);
  return rec;
}

export function writePod(ctx: Context, rec: PodRecord): PodRecord {
  mkdirSync(podDir(ctx, rec.id), { recursive: true });
  writeJsonAtomic(join(podDir(ctx, rec.id), 'pod.json'), rec);
  mkdirSync(join(podsDir(ctx), 'names'), { recursive: true });
  symlinkSync(rec.id, join(podsDir(ctx), 'names', rec.name));
  return rec;
}

export function podRec(id: string, name: string, extra: Partial<PodRecord> = {}): PodRecord {
  return { id, name, created: '2026-01-01T10:00:00.000Z', labels: {}, share: ['ipc', 'net', 'uts'], ...extra };
}

/** Every pid >= 5000 is a live monitor started at tick 42; no exit files. */
export const fakeProc: HostProc = {
  stat: (pid) => (pid >= 5000 ? `${pid} (tpod-monitor) S ${Array(18).fill('0').join(' ')} 42 0 0` : undefined),
  bootId: () => 'boot',
  exitFile: () => undefined,
};
