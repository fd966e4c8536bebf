// zstd layers on Node 20, whose zlib has no zstd: decompression through the `zstd`
// program (native speed, streaming through a pipe, packaged everywhere), plugged into
// compression.ts's decompressor table. Node >= 22.15 has zstd in zlib and needs none of this.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import * as zlib from 'node:zlib';
import { TpodError } from '../errors.js';
import { registerDecompressor } from './compression.js';

/** A Duplex: zstd-compressed bytes in, plain bytes out, through `zstd -dc`. */
export function zstdDecompressStream(program = 'zstd'): Duplex {
  return zstdProgram(program, ['-dc', '-q'], 'the layer is not valid zstd data');
}

/** A Duplex: plain bytes in, zstd-compressed bytes out (push --compression-format zstd). */
export function zstdCompressStream(program = 'zstd'): Duplex {
  return zstdProgram(program, ['-c', '-q', '-3', '-T0'], 'zstd compression failed');
}

function zstdProgram(program: string, args: string[], failure: string): Duplex {
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  const duplex = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.on('error', (e: NodeJS.ErrnoException) => {
    duplex.destroy(e.code === 'ENOENT'
      ? new TpodError('EARCHIVE', 'zstd layers need the "zstd" program on Node.js 20: install the zstd package')
      : new TpodError('EARCHIVE', `running zstd: ${e.message}`));
  });
  child.on('close', (code, signal) => {
    if (code !== 0 && !duplex.destroyed) {
      duplex.destroy(new TpodError('EARCHIVE', `${failure}: ${stderr.trim().split('\n').pop() || `zstd exited ${code ?? signal}`}`));
    }
  });
  // Our side gave up (digest mismatch, unsafe entry): stop the program too.
  duplex.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  child.stdin.on('error', () => undefined);
  return duplex;
}

let registered = false;

/** Makes extract.ts able to read zstd layers (no-op where zlib already can). */
export function ensureZstd(): void {
  if (registered) return;
  registered = true;
  if (typeof (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress === 'function') return;
  registerDecompressor('zstd', () => zstdDecompressStream());
}
