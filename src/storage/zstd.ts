// zstd layers on Node 20, whose zlib has no zstd: decompression through the `zstd`
// program (native speed, streaming through a pipe, packaged everywhere), plugged into
// compression.ts's decompressor table. Node >= 22.15 has zstd in zlib and needs none of this.
import type { Duplex } from 'node:stream';
import * as zlib from 'node:zlib';
import { registerDecompressor } from './compression.js';
import { filterStream } from './filter-program.js';

/** A Duplex: zstd-compressed bytes in, plain bytes out, through `zstd -dc`. */
export function zstdDecompressStream(program = 'zstd'): Duplex {
  return zstdProgram(program, ['-dc', '-q'], 'the layer is not valid zstd data');
}

/** A Duplex: plain bytes in, zstd-compressed bytes out (push --compression-format zstd). */
export function zstdCompressStream(program = 'zstd'): Duplex {
  return zstdProgram(program, ['-c', '-q', '-3', '-T0'], 'zstd compression failed');
}

function zstdProgram(program: string, args: string[], failure: string): Duplex {
  return filterStream({ program, args, failure, missing: 'zstd layers need the "zstd" program on Node.js 20: install the zstd package' });
}

let registered = false;

/** Makes extract.ts able to read zstd layers (no-op where zlib already can). */
export function ensureZstd(): void {
  if (registered) return;
  registered = true;
  if (typeof (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress === 'function') return;
  registerDecompressor('zstd', () => zstdDecompressStream());
}
