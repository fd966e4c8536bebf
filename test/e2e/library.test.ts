// tpod as a library, end to end: this checkout is packed with `npm pack`, the tarball is
// installed into a fresh project with `npm install`, and a script of that project runs
// `import { Engine } from "tpod"` against a real loopback registry (filled by skopeo),
// as the unprivileged user. The script is not tpod: anything the engine starts again
// (the exit command of a detached --rm container) must be the package's own entry, and a
// container started by it must be cleaned up after the script has exited.
import { expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, useEnv, run, repoRoot, until, procGone, type RunResult } from './harness.js';
import { imageFixtures } from './fixtures.js';
import { startRegistry, skopeoCopy, type RealRegistry } from './registry.js';

const t = useEnv('library');
let registry: RealRegistry;
let app: string;
let ref: string;

interface Roots {
  root: string;
  runroot: string;
}
let one: Roots;
let two: Roots;

function npm(args: string[], cwd: string): Promise<RunResult> {
  return run('npm', [...args, '--no-audit', '--no-fund', '--no-update-notifier'], {
    env: t.env,
    cwd,
    timeout: 180_000,
    extraEnv: { npm_config_cache: join(t.env.base, 'npm-cache') },
  });
}

/** Runs a module of the app (its text given) with node; resolves to what it printed as JSON. */
async function script(name: string, text: string): Promise<Record<string, unknown>> {
  writeFileSync(join(app, name), text);
  const r = await run(process.execPath, [name], {
    env: t.env,
    cwd: app,
    timeout: 180_000,
    extraEnv: { ROOTS: JSON.stringify({ one, two }), REF: ref },
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** The same preamble for every script: two engines, one per storage root. */
const OPEN = `
import { Engine, TpodError } from 'tpod';
const { one, two } = JSON.parse(process.env.ROOTS);
const ref = process.env.REF;
const e1 = await Engine.open(one);
const e2 = await Engine.open(two);
const failure = (p) => p.then(() => ({ rejected: false }), (err) => ({ rejected: true, typed: err instanceof TpodError, code: err.code, message: err.message }));
const out = {};
`;
const PRINT = `process.stdout.write(JSON.stringify(out));\n`;

describeE2E('the library from a fresh project (npm pack, npm install)', () => {
  beforeAll(async () => {
    registry = await startRegistry();
    ref = `${registry.host}/library/busybox:latest`;
    skopeoCopy(`oci-archive:${imageFixtures().busyboxOci}`, ref);
    one = { root: join(t.env.base, 'lib1', 'root'), runroot: join(t.env.base, 'lib1', 'run') };
    two = { root: join(t.env.base, 'lib2', 'root'), runroot: join(t.env.base, 'lib2', 'run') };
    // The package as it would be published: npm pack of this checkout (built), installed
    // into an empty project that has no other dependency.
    const packs = join(t.env.base, 'packs');
    mkdirSync(packs);
    const pack = await npm(['pack', '--ignore-scripts', '--pack-destination', packs], repoRoot);
    expect(pack.code, pack.stderr).toBe(0);
    const tarball = readdirSync(packs).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    app = join(t.env.base, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'library-user', version: '1.0.0', private: true, type: 'module' }));
    const install = await npm(['install', '--prefer-offline', '--ignore-scripts', join(packs, tarball!)], app);
    expect(install.code, install.stderr).toBe(0);
    expect(existsSync(join(app, 'node_modules', 'tpod', 'dist', 'lib.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'tpod', 'dist', 'types', 'lib.d.ts'))).toBe(true);
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('pulls, lists, runs attached and detached, logs, stops and removes; two roots see nothing of each other', async () => {
    const out = await script(
      'contract.mjs',
      `${OPEN}
out.pulled = await e1.pull(ref, { tlsVerify: false });
out.images1 = await e1.images();
out.images2 = await e2.images();
out.attached = await e1.run({ image: ref, command: ['sh', '-c', 'echo "out $FOO"; echo err >&2; exit 3'], env: { FOO: 'bar' }, remove: true });
out.detached = await e1.run({ image: ref, command: ['sh', '-c', 'echo hello from the library; exec sleep 1000'], name: 'lib-sleeper', detach: true });
out.running1 = (await e1.containers({ all: false })).map((c) => ({ id: c.id, state: c.state, names: c.names }));
out.all2 = await e2.containers({ all: true });
out.otherRoot = await failure(e2.run({ image: ref, command: ['true'] }));
out.otherLogs = await failure(e2.logs(out.detached.id));
let logs = '';
for (let i = 0; i < 600 && !logs.includes('hello from the library'); i++) {
  logs = await e1.logs(out.detached.id);
  if (!logs.includes('hello')) await new Promise((r) => setTimeout(r, 100));
}
out.logs = logs;
out.removeRunning = await failure(e1.remove(out.detached.id));
out.stopped = await e1.stop('lib-sleeper', { timeout: 1 });
out.afterStop = (await e1.containers({ all: true })).map((c) => ({ id: c.id, state: c.state }));
out.removed = await e1.remove(out.detached.id, { force: true });
out.afterRemove = await e1.containers({ all: true });
out.missingRun = await failure(e1.run({ image: 'localhost/no-such-image:latest', command: ['true'] }));
out.missingPull = await failure(e1.pull(\`\${ref.split('/')[0]}/library/no-such-image:latest\`, { tlsVerify: false }));
out.noCommand = await failure(e1.run({ image: ref, command: ['/no/such/command'], remove: true }));
out.badName = await failure(e1.stop('no-such-container'));
${PRINT}`,
    );
    const pulled = out.pulled as { id: string; name: string };
    expect(pulled.id).toMatch(/^[0-9a-f]{64}$/);
    expect(pulled.name).toBe(ref);
    const images1 = out.images1 as Array<{ id: string; names: string[] }>;
    expect(Array.isArray(images1)).toBe(true);
    expect(images1.map((i) => i.id)).toEqual([pulled.id]);
    expect(images1[0]!.names).toContain(ref);
    expect(out.images2).toEqual([]);

    expect(out.attached).toEqual({ exitCode: 3, stdout: 'out bar\n', stderr: 'err\n' });

    const id = (out.detached as { id: string }).id;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(out.running1).toEqual([{ id, state: 'running', names: ['lib-sleeper'] }]);
    expect(out.all2).toEqual([]);
    expect(out.otherRoot).toMatchObject({ rejected: true, typed: true, code: 'ENOIMAGE' });
    expect(out.otherLogs).toMatchObject({ rejected: true, typed: true, code: 'ENOCONTAINER' });
    expect(out.logs).toBe('hello from the library\n');
    expect(out.removeRunning).toMatchObject({ rejected: true, typed: true });
    expect(out.stopped).toEqual({ id });
    expect(out.afterStop).toEqual([{ id, state: 'exited' }]);
    expect(out.removed).toEqual({ id });
    expect(out.afterRemove).toEqual([]);
    expect(out.missingRun).toMatchObject({ rejected: true, typed: true, code: 'ENOIMAGE' });
    expect(out.missingPull).toMatchObject({ rejected: true, typed: true, code: 'ENOIMAGE' });
    expect(out.noCommand).toMatchObject({ rejected: true, typed: true, code: 'ECMDNOTFOUND' });
    expect(out.badName).toMatchObject({ rejected: true, typed: true, code: 'ENOCONTAINER' });
    // Nothing of root one was written under root two.
    expect(storedIds(two.root)).toEqual([]);
    expect(storedIds(one.root)).toEqual([pulled.id]);
  });

  it('a detached remove:true container is cleaned up by its monitor after the script that started it exited', async () => {
    const started = await script(
      'start.mjs',
      `${OPEN}
const r = await e1.run({ image: ref, command: ['sh', '-c', 'sleep 2; echo done'], detach: true, remove: true });
out.id = r.id;
out.listed = (await e1.containers({ all: true })).map((c) => c.id);
${PRINT}`,
    );
    const id = started.id as string;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    // Recorded before run() resolved, so the removal below is the exit command's doing.
    expect(started.listed).toContain(id);
    // The script has exited; the container ends by itself and its monitor's exit command
    // (the package's entry, not the script) removes it.
    await until('the container directory is removed', () => !existsSync(join(one.root, 'containers', id)), 120_000);
    const after = await script(
      'list.mjs',
      `${OPEN}
out.all = (await e1.containers({ all: true })).map((c) => c.id);
${PRINT}`,
    );
    expect(after.all).not.toContain(id);
    // No monitor is left for it.
    await until('no monitor keeps it', () => monitorsGone(id), 30_000);
  });
});

/** Image and container ids stored under ROOT (none when it was never written). */
function storedIds(root: string): string[] {
  const ids = (d: string): string[] => (existsSync(join(root, d)) ? readdirSync(join(root, d)).filter((n) => /^[0-9a-f]{64}$/.test(n)) : []);
  return [...ids('images'), ...ids('containers')];
}

/** No live process of ours names the container id in its command line. */
function monitorsGone(id: string): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || procGone(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (/tpod-monitor/.test(argv) && argv.includes(id)) return false;
    } catch {
      /* gone */
    }
  }
  return true;
}
