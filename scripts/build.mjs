// Builds tpod: one bundled ESM entry (dist/tpod.js) with lazily loaded chunks, plus the
// native helpers compiled with the system C compiler into dist/.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, chmodSync, copyFileSync, rmSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// TPOD_DIST lets parallel work build somewhere other than dist/.
const dist = process.env.TPOD_DIST ?? join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

execFileSync('make', ['-s', '-C', join(root, 'helpers')], { stdio: 'inherit' });

await build({
  entryPoints: { tpod: join(root, 'src/cli/tpod.ts') },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  define: { __TPOD_VERSION__: JSON.stringify(pkg.version) },
  // Some dependencies are CommonJS and call require(); give ESM output a require.
  banner: { js: "import { createRequire as __tpodCreateRequire } from 'node:module'; const require = __tpodCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(join(dist, 'tpod.js'), 0o755);

for (const f of ['tpod-helper', 'tpod-flock.node']) {
  copyFileSync(join(root, 'helpers', 'build', f), join(dist, f));
  chmodSync(join(dist, f), 0o755);
}
console.log(`built tpod ${pkg.version} into dist/`);
