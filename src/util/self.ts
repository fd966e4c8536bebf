// How this tpod was started, so it can run itself again: inside the user namespace
// (heavy, rare commands) and as a container's exit command. Installed, tpod starts from
// a V8 start-up snapshot when one was built (`node --snapshot-blob tpod.blob -- ARGS`),
// else from the bundle (`node tpod.js ARGS`); in tests, from whatever script vitest runs.

/** Set by the snapshot entry: the code was loaded from a start-up snapshot. */
export function fromSnapshot(): boolean {
  return (globalThis as { __TPOD_SNAPSHOT__?: boolean }).__TPOD_SNAPSHOT__ === true;
}

/**
 * argv that starts tpod again (arguments go after it). From a snapshot the blob's path
 * comes from the launcher (TPOD_SNAPSHOT_BLOB); `--` keeps Node from reading the
 * arguments as its own.
 */
export function selfCommand(): string[] {
  const blob = process.env.TPOD_SNAPSHOT_BLOB;
  if (fromSnapshot() && blob) return [process.execPath, '--snapshot-blob', blob, '--'];
  const script = process.argv[1];
  if (!script) throw new Error('cannot tell how tpod was started: no script in process.argv');
  return [process.execPath, ...process.execArgv.filter((a) => !a.startsWith('--snapshot-blob')), script];
}
