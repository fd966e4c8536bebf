// `tpod wait`: polls the record and the exit file (cheap reads, no process kept) until
// the container reaches a condition. For "stopped" it waits for the run that was
// current when it first looked, and reports that run's exit code, as Podman reports
// the first exit after `wait` started: when the restart policy has started the next run
// meanwhile, the code comes from the record's lastExits. It returns once the end is
// recorded, recording it itself when it gets there before the monitor's exit command.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Context } from './context.js';
import { parseExitFile } from '../monitor/protocol.js';
import { NoSuchContainerError } from '../errors.js';
import { readContainer, type ContainerRecord } from '../storage/containers.js';
import { exitFilePath, hasMonitor, liveState, UNKNOWN_EXIT_CODE } from './state.js';
import { finishRun, shouldRestart } from './cleanup.js';
import { withContainerIfAny } from './transition.js';

export type WaitCondition = 'created' | 'running' | 'stopped' | 'exited' | 'paused' | 'healthy' | 'unhealthy' | 'configured' | 'removing' | 'stopping';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Until the container reaches one of the conditions ("stopped" by default), then its
 * exit code (-1 when it never ran or nobody saw the end).
 */
export async function waitContainer(ctx: Context, id: string, conditions: WaitCondition[] = ['stopped'], intervalMs = 50): Promise<number> {
  const wanted = new Set<string>(conditions.map((c) => (c === 'exited' ? 'stopped' : c)));
  let rec = readContainer(ctx, id);
  if (!rec) throw new NoSuchContainerError(id);
  // Podman: a container that is not running now is not waited for: created (never
  // run, or its start failed) answers at once, with 0 unless an exit is recorded.
  if (wanted.has('stopped') && rec.state === 'created' && !wanted.has('created')) return rec.exitCode ?? 0;
  /** startedAt of the run waited for; unknown until the container has run. */
  let run: string | undefined;
  let waiting = false;
  let delay = 5;
  for (;;) {
    const cur = readContainer(ctx, rec.id);
    if (!cur) {
      // Removed (--rm) after it ended: what its exit file said is what it ended with.
      if (wanted.has('stopped') || wanted.has('removing')) return lastKnownExit(ctx, rec) ?? UNKNOWN_EXIT_CODE;
      throw new NoSuchContainerError(id);
    }
    rec = cur;
    const ls = liveState(ctx, rec);
    if (wanted.has('stopped') && rec.state !== 'created') {
      if (!waiting) {
        waiting = true;
        run = rec.startedAt;
        ctx.log.debug(`waiting for container ${rec.id.slice(0, 12)}, the run started at ${run ?? '(unknown)'}`);
      }
      // Another run replaced it: the policy restarted it after it ended.
      if (rec.startedAt !== run) return rec.lastExits?.find((e) => e.startedAt === run)?.exitCode ?? UNKNOWN_EXIT_CODE;
      if (!hasMonitor(rec.state)) return rec.exitCode ?? ls.exitCode ?? UNKNOWN_EXIT_CODE; // its end is recorded
      if (ls.status === 'exited') {
        const code = ls.exitCode ?? UNKNOWN_EXIT_CODE;
        // The policy brings it back: this run is over all the same.
        if (ls.monitorAlive && shouldRestart(rec, code)) return code;
        await recordEnd(ctx, rec.id, run);
        continue;
      }
    }
    const status = ls.status === 'exited' || ls.status === 'unknown' ? 'stopped' : ls.status;
    if (status !== 'stopped' && wanted.has(status)) return ls.exitCode ?? 0;
    await sleep(delay);
    delay = Math.min(delay * 2, intervalMs);
  }
}

/** Records the end of the run that started at RUN, unless it is recorded or the policy restarts it. */
async function recordEnd(ctx: Context, id: string, run: string | undefined): Promise<void> {
  await withContainerIfAny(ctx, id, async (rec, ls) => {
    if (rec.startedAt !== run || !hasMonitor(rec.state) || ls.status !== 'exited') return;
    if (ls.monitorAlive && shouldRestart(rec, ls.exitCode ?? UNKNOWN_EXIT_CODE)) return; // its exit command restarts it
    await finishRun(ctx, rec, ls, false);
  });
}

/**
 * The exit code of a --rm container that is gone already, from the exit file its
 * clean-up leaves behind (per boot, tmpfs), found by its id or a unique id prefix of
 * at least 12 characters: `run -d --rm` then `wait ID` must not depend on who is faster.
 * Podman keeps removed containers' exit codes for the same reason.
 */
export function removedExitCode(ctx: Context, input: string): number | undefined {
  if (!/^[0-9a-f]{12,64}$/.test(input)) return undefined;
  const dir = dirname(exitFilePath(ctx, input));
  let matches: string[];
  try {
    matches = readdirSync(dir).filter((f) => f.startsWith(input));
  } catch {
    return undefined;
  }
  if (matches.length !== 1) return undefined;
  try {
    return parseExitFile(readFileSync(join(dir, matches[0]!), 'utf8'))?.exitCode;
  } catch {
    return undefined;
  }
}

function lastKnownExit(ctx: Context, rec: ContainerRecord): number | undefined {
  const ls = liveState(ctx, rec);
  return ls.status === 'exited' ? ls.exitCode : rec.exitCode;
}

