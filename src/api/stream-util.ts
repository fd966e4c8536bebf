// What attach and exec share: finding a container that must be running, and relaying a
// client's stdin with Docker's detach keys.
import type { Readable } from 'node:stream';
import type { Context } from '../engine/context.js';
import type { ContainerRecord } from '../storage/containers.js';
import { ApiError } from './errors.js';
import { DEFAULT_DETACH_KEYS, DetachMatcher, parseDetachKeys } from '../engine/attach.js';

/** The container by name or id; 404 without one, 409 when it does not run. */
export async function runningContainer(ctx: Context, nameOrId: string): Promise<ContainerRecord> {
  const { findContainer } = await import('../storage/containers.js');
  const { liveState } = await import('../engine/state.js');
  const rec = findContainer(ctx, nameOrId);
  if (liveState(ctx, rec).status !== 'running') throw new ApiError(409, `container ${rec.id} is not running`);
  return rec;
}

/**
 * The client's bytes to WRITE until the client's stdin ends (END) or it typed the detach
 * keys (DETACH: nothing after them is passed on). Empty KEYS: Docker's default ctrl-p,ctrl-q.
 */
export function stdinRelay(from: Readable, keys: string, write: (d: Buffer) => void, end: () => void, detach: () => void): void {
  let matcher: DetachMatcher;
  try {
    matcher = new DetachMatcher(parseDetachKeys(keys === '' ? DEFAULT_DETACH_KEYS : keys));
  } catch {
    matcher = new DetachMatcher(parseDetachKeys(DEFAULT_DETACH_KEYS));
  }
  let done = false;
  const onData = (chunk: Buffer): void => {
    if (done) return;
    const r = matcher.push(chunk);
    if (r.forward.length > 0) write(r.forward);
    if (r.detach) {
      done = true;
      from.off('data', onData);
      detach();
    }
  };
  const onEnd = (): void => {
    if (done) return;
    done = true;
    end();
  };
  from.on('data', onData);
  from.once('end', onEnd);
  from.once('close', onEnd);
  from.once('error', onEnd);
}
