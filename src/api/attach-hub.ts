// Attach requests that come before their container's start. The docker CLI's `run`
// attaches first and starts after, so no output is missed: the attach waits here, and
// the start endpoint connects every waiting client to the monitor's attach socket after
// the container is created and before its process runs (the CLI's `start -a` does the
// same through launch's beforeStart).
import type { Context } from '../engine/context.js';
import type { AttachConnection, AttachHandlers } from '../monitor/attach-client.js';

interface Waiter {
  resolve: (conn: AttachConnection) => void;
  reject: (err: unknown) => void;
  /** Where the container's output goes (the waiting client's stream). */
  handlers: AttachHandlers;
}

const waiting = new Map<string, Set<Waiter>>();

/** Resolves with a connection once container ID is started by this service; rejects when SIGNAL aborts. */
export function awaitStart(id: string, signal: AbortSignal, handlers: AttachHandlers = {}): Promise<AttachConnection> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('client went away'));
    const set = waiting.get(id) ?? new Set<Waiter>();
    waiting.set(id, set);
    const w: Waiter = { resolve, reject, handlers };
    set.add(w);
    signal.addEventListener(
      'abort',
      () => {
        set.delete(w);
        if (set.size === 0 && waiting.get(id) === set) waiting.delete(id);
        reject(new Error('client went away'));
      },
      { once: true },
    );
  });
}

/** True when an attach waits for ID's start. */
export function hasWaiting(id: string): boolean {
  return (waiting.get(id)?.size ?? 0) > 0;
}

/** For the start endpoint's beforeStart: connects each waiting attach to ID's monitor. */
export async function connectWaiting(ctx: Context, id: string): Promise<void> {
  const set = waiting.get(id);
  if (!set || set.size === 0) return;
  waiting.delete(id);
  const { AttachConnection } = await import('../monitor/attach-client.js');
  const { attachSocketPath } = await import('../engine/state.js');
  for (const w of set) {
    try {
      w.resolve(await AttachConnection.connect(attachSocketPath(ctx, id), w.handlers));
    } catch (err) {
      w.reject(err);
    }
  }
}
