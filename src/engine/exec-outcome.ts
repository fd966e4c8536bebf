// What a finished `runtime exec` means. The container was running when the exec began,
// but the runtime races with its end: when the container's init dies meanwhile, crun says
// "setns `mnt`: Bad file descriptor", "fail startup" or "write to sync socket", or nothing
// at all and exits 255 (the new process died before it could report). So the answer
// comes from the container, not from the runtime's words: once the runtime has failed,
// an init that is exiting or gone, or an end already recorded, means the container ended
// under the exec, which then fails as Podman's does on a container that is not running.
// An init that is alive and not exiting means something else failed: a container's end
// begins with its init exiting (its namespaces and other processes go after that), so it
// cannot have caused a failure the runtime already reported.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { readContainer, type ContainerRecord } from '../storage/containers.js';
import { isUp, liveState, parseProcStat, realProc, type HostProc } from './state.js';
import { mapRuntimeError, type RuntimeInfo } from '../runtime/runtime.js';

/** Podman's error for an exec into a container that is not running (exit 125). */
export function notRunning(): TpodError {
  return new TpodError('ECTRSTATE', 'can only create exec sessions on running containers: container state improper');
}

/** What crun and runc say when the container ended between our look and their exec. */
const RUNTIME_NOT_RUNNING = /is not running|not running|stopped container/i;

/** crun's exit code when it failed without a word: the new process died before it reported. */
const SILENT_FAILURE = 255;

/** The container's init process as seen now; 'unknown' when the record names none. */
export type InitState = 'alive' | 'exiting' | 'gone' | 'unknown';

/** What the decision looks at, one fresh look per call (fakes in unit tests). */
export interface RunFacts {
  /** The run the exec went into is over, and the record or the monitor's exit file says so. */
  endKnown(): boolean;
  init(): InitState;
}

/** PF_EXITING in /proc/<pid>/stat's flags: set as the process begins to exit. */
const PF_EXITING = 0x4;

/** The facts of REC's current run, read from its record, exit file and /proc. */
export function runFacts(ctx: Context, rec: ContainerRecord, proc: HostProc = realProc()): RunFacts {
  return {
    endKnown: () => {
      const cur = readContainer(ctx, rec.id);
      return !cur || cur.startedAt !== rec.startedAt || !isUp(liveState(ctx, cur, proc).status);
    },
    init: () => {
      if (rec.pid === undefined) return 'unknown';
      const text = proc.stat(rec.pid);
      const st = text === undefined ? undefined : parseProcStat(text);
      if (!st || st.state === 'Z' || st.state === 'X' || st.state === 'x') return 'gone';
      return (st.flags & PF_EXITING) !== 0 ? 'exiting' : 'alive';
    },
  };
}

export interface EndWait {
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const sleepFor = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * True when the run ended under the exec. While its init is exiting or gone, this waits
 * (polling, up to TIMEOUT_MS) for the end to be recorded, so that what the user sees next
 * (ps, inspect, wait) agrees with the error; the end is certain all the same.
 */
export async function endedUnderExec(facts: RunFacts, o: EndWait = {}): Promise<boolean> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? sleepFor;
  const deadline = now() + (o.timeoutMs ?? 5000);
  let delay = 5;
  for (;;) {
    if (facts.endKnown()) return true;
    const init = facts.init();
    if (init === 'alive') return false;
    // No init to look at: only a recorded end counts.
    if (now() >= deadline) return init !== 'unknown';
    await sleep(Math.min(delay, Math.max(1, deadline - now())));
    delay = Math.min(delay * 2, 50);
  }
}

/**
 * Until no process of the failed runtime command is left, up to TIMEOUT_MS. A child of
 * crun that fails after crun gave up on it writes its own error to the exec's stderr
 * (crun's log is only the parent's), which must come before tpod's line. They are told by
 * MARKER, the exec's own process file, in their command line: forks of crun keep its argv.
 */
export async function runtimeStraysGone(marker: string, o: { procRoot?: string; timeoutMs?: number } = {}): Promise<void> {
  const root = o.procRoot ?? '/proc';
  const left = (): boolean => {
    let names: string[];
    try {
      names = readdirSync(root);
    } catch {
      return false;
    }
    for (const name of names) {
      if (!/^\d+$/.test(name)) continue;
      try {
        if (readFileSync(join(root, name, 'cmdline'), 'utf8').includes(marker)) return true;
      } catch {
        /* gone meanwhile */
      }
    }
    return false;
  };
  const deadline = Date.now() + (o.timeoutMs ?? 2000);
  let delay = 5;
  while (left() && Date.now() < deadline) {
    await sleepFor(delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** The container, once the runtime failed: did it end under the exec, and are the runtime's processes gone. */
export interface AfterFailure {
  ended(): Promise<boolean>;
  /** Resolves once nothing of the runtime command may still write to the exec's stderr. */
  settled(): Promise<void>;
}

/**
 * The exec's exit code from the runtime's (CODE) and the error it logged, if any; throws
 * when the exec failed. A process the container's end killed reports 128+9 = 137, as
 * Podman's exec does. AFTER is asked only when the runtime failed.
 */
export async function execOutcome(rt: RuntimeInfo, code: number, logged: string | undefined, after: AfterFailure): Promise<number> {
  if (code === 0) return 0;
  // Without a logged error, any code but 255 is the process's own.
  if (logged === undefined && code !== SILENT_FAILURE) return code;
  const [notRunningNow] = await Promise.all([logged !== undefined && RUNTIME_NOT_RUNNING.test(logged) ? true : after.ended(), after.settled()]);
  if (notRunningNow) throw notRunning();
  if (logged === undefined) return code; // the process's own 255, in a container that runs on
  throw mapRuntimeError(rt, logged);
}
