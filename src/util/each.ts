// Commands on several targets (stop a b c, pod stop p q): each target succeeds or fails
// on its own, as in Podman; every failure but the last is printed, the last is thrown
// (it decides the exit code). Errors that are not TpodErrors are bugs and stop the loop.
import { TpodError } from '../errors.js';

export async function eachOnItsOwn<T>(items: T[], fn: (item: T) => Promise<void>, skip?: (err: TpodError) => boolean): Promise<number> {
  let failed: TpodError | undefined;
  for (const item of items) {
    try {
      await fn(item);
    } catch (err) {
      if (!(err instanceof TpodError)) throw err;
      if (skip?.(err)) continue;
      if (failed) process.stderr.write(`Error: ${failed.message}\n`);
      failed = err;
    }
  }
  if (failed) throw failed;
  return 0;
}
