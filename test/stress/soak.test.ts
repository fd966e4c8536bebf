// The leak soak (npm run test:stress only, under load): 1,000 `run --rm` and 200
// detached run/stop/rm cycles, four at a time, next to a long-lived container whose
// monitor is attached to and left over and over. Afterwards nothing may be left: no
// process beyond those the long-lived container had before, no mount, no file in the
// store or the runtime dir, no file descriptor in its monitor, and the same disk use.
// Before and after are printed, so the numbers can be quoted.
import { expect, it } from 'vitest';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, relative } from 'node:path';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage, envProcesses, pausePid, until, type TpodEnv } from '../e2e/harness.js';

const RUNS = Number(process.env.TPOD_SOAK_RUNS ?? 1000);
const CYCLES = Number(process.env.TPOD_SOAK_CYCLES ?? 200);
const AT_ONCE = 4;

interface Snapshot {
  processes: string[];
  mounts: string[];
  files: string[];
  /** Bytes of the store's files (blocks in use, as du counts them; directories apart). */
  storeBytes: number;
  storeDirs: number;
  monitorFds: string[];
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** Every path below ROOT (relative), with the blocks of what is not a directory. */
function walk(root: string): { paths: string[]; bytes: number; dirs: number } {
  const out = { paths: [] as string[], bytes: 0, dirs: 0 };
  const visit = (p: string): void => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return; // gone while we looked
    }
    out.paths.push(relative(root, p) || '.');
    if (!st.isDirectory()) {
      out.bytes += st.blocks * 512;
      return;
    }
    out.dirs++;
    let names: string[];
    try {
      names = readdirSync(p);
    } catch {
      out.paths.push(`${relative(root, p)}/(unreadable)`); // a subordinate id's private dir inside a rootfs
      return;
    }
    for (const n of names) visit(join(p, n));
  };
  visit(root);
  return out;
}

function snapshot(env: TpodEnv, monitorPid: number): Snapshot {
  const pause = pausePid(env);
  const mounts = pause
    ? readFileSync(`/proc/${pause}/mountinfo`, 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[4] ?? '')
        .filter((m) => m.startsWith(env.base))
        .sort()
    : [];
  const store = walk(join(env.dataHome, 'tpod'));
  const run = walk(join(env.runtimeDir, 'tpod'));
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${monitorPid}/fd`).map((fd) => `${fd} -> ${readlinkSync(`/proc/${monitorPid}/fd/${fd}`)}`);
  } catch {
    fds = ['(monitor gone)'];
  }
  return {
    processes: envProcesses(env).map((p) => `${p} ${cmdline(p)}`).sort(),
    mounts,
    files: [...store.paths.map((p) => `store/${p}`), ...run.paths.map((p) => `run/${p}`)].sort(),
    storeBytes: store.bytes,
    storeDirs: store.dirs,
    monitorFds: fds.sort(),
  };
}

function diff(a: string[], b: string[]): { gone: string[]; added: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return { gone: a.filter((x) => !sb.has(x)), added: b.filter((x) => !sa.has(x)) };
}

/** How many of PATHS (store/... and run/...) begin with PREFIX. */
const count = (paths: string[], prefix: string): number => paths.filter((p) => p.startsWith(prefix)).length;

/** Runs JOB(0..COUNT-1), AT_ONCE at a time. */
async function pool(count: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: AT_ONCE }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

describeE2E('leaks under load (soak)', () => {
  const t = useEnv('soak');

  it(`${RUNS} run --rm and ${CYCLES} run -d/stop/rm cycles, ${AT_ONCE} at a time, leave nothing behind`, async () => {
    const env = t.env;
    const img = await busyboxImage(env);
    const failures: string[] = [];
    const note = (what: string, r: { code: number; stderr: string }) => {
      if (r.code !== 0) failures.push(`${what}: exit ${r.code}: ${r.stderr.trim()}`);
    };
    const runRm = async (i: number) => note(`run --rm #${i}`, await tpod(['run', '--rm', img, 'true'], { env, timeout: 120_000 }));
    const cycle = async (i: number) => {
      const r = await tpod(['run', '-d', img, 'sleep', '1000'], { env, timeout: 120_000 });
      note(`run -d #${i}`, r);
      if (r.code !== 0) return;
      const id = r.stdout.trim();
      note(`stop #${i}`, await tpod(['stop', '-t', '0', id], { env, timeout: 120_000 }));
      note(`rm #${i}`, await tpod(['rm', id], { env, timeout: 120_000 }));
    };

    // The long-lived container, and one of each kind first, so that what tpod makes once
    // (directories, the pause process, lock files) exists before the first snapshot.
    const keeper = (await tpodOk(['run', '-d', '--name', 'keeper', img, 'sleep', '1000000'], { env })).stdout.trim();
    const rec = JSON.parse(readFileSync(join(env.dataHome, 'tpod', 'containers', keeper, 'container.json'), 'utf8')) as { monitorPid: number; pid: number; netns: string };
    const keeps = (p: number) => p === rec.monitorPid || p === rec.pid || cmdline(p).includes(rec.netns);
    /** The processes of other containers, which must all end. */
    const others = () => envProcesses(env).filter((p) => !keeps(p));
    const othersEnd = async (what: string) => {
      try {
        await until(what, () => others().length === 0, 60_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}; left: ${others().map((p) => `${p} ${cmdline(p)}`).join('; ')}`);
      }
    };
    const attachSocket = join(env.runtimeDir, 'tpod', 'attach', keeper.slice(0, 32), 'attach');
    const attachOnce = () =>
      new Promise<void>((resolve) => {
        const s = createConnection({ path: attachSocket });
        s.on('connect', () => s.destroy());
        s.on('close', () => resolve());
        s.on('error', () => resolve());
      });
    await runRm(-1);
    await cycle(-1);
    await attachOnce();
    expect(failures).toEqual([]);
    await othersEnd('the first containers\' processes to end');
    const before = snapshot(env, rec.monitorPid);

    const started = Date.now();
    await pool(RUNS, async (i) => {
      await runRm(i);
      if (i % 100 === 99) process.stdout.write(`soak: ${i + 1} run --rm (${Math.round((Date.now() - started) / 1000)} s)\n`);
    });
    await pool(CYCLES, async (i) => {
      await Promise.all([cycle(i), attachOnce(), attachOnce()]);
      if (i % 50 === 49) process.stdout.write(`soak: ${i + 1} run -d/stop/rm cycles (${Math.round((Date.now() - started) / 1000)} s)\n`);
    });
    expect(failures).toEqual([]);

    // Monitors end after their exit command, a moment after the command that stopped them.
    await othersEnd('the stopped containers\' processes to end');
    const after = snapshot(env, rec.monitorPid);
    const report = {
      processes: [before.processes.length, after.processes.length],
      mounts: [before.mounts.length, after.mounts.length],
      storeFiles: [count(before.files, 'store/'), count(after.files, 'store/')],
      runtimeDirFiles: [count(before.files, 'run/'), count(after.files, 'run/')],
      storeBytes: [before.storeBytes, after.storeBytes],
      storeDirs: [before.storeDirs, after.storeDirs],
      monitorFds: [before.monitorFds.length, after.monitorFds.length],
    };
    process.stdout.write(`soak: before -> after ${JSON.stringify(report)} in ${Math.round((Date.now() - started) / 1000)} s\n`);
    const changes = {
      processes: diff(before.processes, after.processes),
      mounts: diff(before.mounts, after.mounts),
      files: diff(before.files, after.files),
      monitorFds: diff(before.monitorFds, after.monitorFds),
    };
    const none = { gone: [], added: [] };
    expect(changes).toEqual({ processes: none, mounts: none, files: none, monitorFds: none });
    expect(after.storeBytes).toBe(before.storeBytes);

    // And once the long-lived one goes too: only the pause process is left.
    await tpodOk(['rm', '-f', '-t', '0', 'keeper'], { env });
    await until('the keeper\'s processes to end', () => envProcesses(env).length === 0, 60_000);
    expect(snapshot(env, rec.monitorPid).mounts).toEqual([]);
  });
});
