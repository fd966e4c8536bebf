// Builds tpod: one bundled ESM entry (dist/tpod.js) with lazily loaded chunks, plus the
// native helpers compiled with the system C compiler into dist/.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, chmodSync, copyFileSync, rmSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { launcher } from './launcher.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// TPOD_DIST lets parallel work build somewhere other than dist/.
const dist = process.env.TPOD_DIST ?? join(root, 'dist');
// `version`'s Built: SOURCE_DATE_EPOCH when set (reproducible builds), else the last
// commit's time, else now.
function builtTime() {
  if (/^\d+$/.test(process.env.SOURCE_DATE_EPOCH ?? '')) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    const t = execFileSync('git', ['-C', root, 'log', '-1', '--format=%ct'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (/^\d+$/.test(t)) return Number(t);
  } catch {
    /* not a git checkout */
  }
  return Math.floor(Date.now() / 1000);
}
const defines = { __TPOD_VERSION__: JSON.stringify(pkg.version), __TPOD_BUILT__: String(builtTime()) };

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
  define: defines,
  // Some dependencies are CommonJS and call require(); give ESM output a require.
  banner: { js: "import { createRequire as __tpodCreateRequire } from 'node:module'; const require = __tpodCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(join(dist, 'tpod.js'), 0o755);

// The launcher (scripts/launcher.mjs); this one finds its directory at run time,
// install.sh writes one with a fixed path.
writeFileSync(join(dist, 'tpod'), launcher('"$(dirname "$(readlink -f "$0")")"'), { mode: 0o755 });

// The start-up snapshot: the same code as one script, loaded and compiled once here.
// Optional: where this Node cannot build one, tpod runs from the bundle.
await build({
  entryPoints: [join(root, 'src/cli/snapshot.ts')],
  outfile: join(dist, 'tpod-snapshot.js'),
  bundle: true,
  format: 'iife',
  platform: 'node',
  target: 'node20',
  define: { ...defines, 'import.meta.url': 'undefined' },
  // A snapshot has no module loader: `import('node:fs')` must become require().
  supported: { 'dynamic-import': false },
  legalComments: 'none',
  logLevel: 'error',
});
try {
  execFileSync(process.execPath, ['--snapshot-blob', join(dist, 'tpod.blob'), '--build-snapshot', join(dist, 'tpod-snapshot.js')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
  });
} catch (err) {
  rmSync(join(dist, 'tpod.blob'), { force: true });
  console.warn(`no start-up snapshot (tpod runs from the bundle): ${String(err.stderr ?? err.message).split('\n')[0]}`);
}
rmSync(join(dist, 'tpod-snapshot.js'), { force: true });

for (const f of ['tpod-helper', 'tpod-monitor', 'tpod-native.node', 'tpod-infra', 'tpod-dns']) {
  copyFileSync(join(root, 'helpers', 'build', f), join(dist, f));
  chmodSync(join(dist, f), 0o755);
}
// Man pages from the command definitions (scripts/gen-man.mjs), into dist/man.
const { generateManPages } = await import('./gen-man.mjs');
await generateManPages(join(dist, 'man'));
console.log(`built tpod ${pkg.version} into dist/`);
