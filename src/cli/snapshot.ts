// Entry of the V8 start-up snapshot (dist/tpod.blob): the whole CLI is loaded and
// compiled when the snapshot is built, so a command starts by deserialising a heap
// instead of resolving, reading and compiling modules (~30 ms less per command here).
// Nothing at module load may read the environment, the clock or the filesystem: that
// would be frozen into the snapshot (src/util/self.ts tells code where it came from).
// Clipanion's compiled parser is deliberately not kept in it: it grew the blob by 2.7 MB
// and cost more to deserialise (~20 ms) than compiling the few matching commands does.
import { startupSnapshot } from 'node:v8';
import { main, warmParser } from './main.js';

(globalThis as { __TPOD_SNAPSHOT__?: boolean }).__TPOD_SNAPSHOT__ = true;
warmParser();

startupSnapshot.setDeserializeMainFunction(() => {
  // `node --snapshot-blob BLOB -- ARGS`: argv is [node, ...ARGS].
  main(process.argv.slice(1)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`Error: internal error: ${(err as Error)?.message ?? String(err)}\n`);
      process.exit(125);
    },
  );
});
