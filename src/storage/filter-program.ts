// A stream through an external program (zstd, igzip): bytes in on its stdin, bytes out
// of its stdout, its failure as a TpodError naming what went wrong.
import { spawn } from 'node:child_process';
import { Duplex, PassThrough } from 'node:stream';
import { TpodError } from '../errors.js';

export interface FilterProgram {
  program: string;
  args: string[];
  /** The message when the program fails ("the layer is not valid zstd data"). */
  failure: string;
  /** The message when the program is not installed. */
  missing: string;
}

export function filterStream(p: FilterProgram): Duplex {
  const child = spawn(p.program, p.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  // The output ends only once the program has said it succeeded: a truncated input
  // makes it exit 1 after writing what it could, which must not read as a short layer.
  const output = new PassThrough({ highWaterMark: 1 << 20 });
  child.stdout.pipe(output, { end: false });
  const duplex = Duplex.from({ writable: child.stdin, readable: output });
  child.on('error', (e: NodeJS.ErrnoException) => {
    duplex.destroy(e.code === 'ENOENT' ? new TpodError('EARCHIVE', p.missing) : new TpodError('EARCHIVE', `running ${p.program}: ${e.message}`));
  });
  child.on('close', (code, signal) => {
    if (code === 0) output.end();
    else if (!duplex.destroyed) duplex.destroy(new TpodError('EARCHIVE', `${p.failure}: ${stderr.trim().split('\n').pop() || `${p.program} exited ${code ?? signal}`}`));
  });
  // Our side gave up (digest mismatch, unsafe entry): stop the program too.
  duplex.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  child.stdin.on('error', () => undefined);
  return duplex;
}
