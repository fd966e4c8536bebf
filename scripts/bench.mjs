#!/usr/bin/env node
// npm run bench: times tpod side by side with Podman (when installed) on the same image,
// runtime and network mode, in one run, as the current unprivileged user, and compares
// the ratios with the targets in DESIGN.md. Absolute times vary between machines and
// runs; the ratio from one run is what to quote.
//
//   node scripts/bench.mjs [--runs N] [--warmup N] [--runtime crun|runc] [--only NAME,..]
//                          [--no-podman] [--json]
//
// Storage is private: tpod gets its own XDG dirs and Podman its own --root/--runroot
// and XDG_RUNTIME_DIR under a temp dir, removed at the end. To add a measurement, add
// a row to ROWS below: argv for each engine, an optional setup, and the target ratio.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { apiRows } from './bench-api.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

// ------------------------------------------------------------------ options
function parseArgs(argv) {
  const o = { runs: 10, warmup: 2, runtime: undefined, only: undefined, podman: true, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--runs') o.runs = Number(val());
    else if (a === '--warmup') o.warmup = Number(val());
    else if (a === '--runtime') o.runtime = val();
    else if (a === '--only') o.only = val().split(',');
    else if (a === '--no-podman') o.podman = false;
    else if (a === '--json') o.json = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 13).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
      process.exit(0);
    } else fail(`unknown option ${a} (see --help)`);
  }
  if (!(o.runs >= 1) || !(o.warmup >= 0)) fail('--runs must be >= 1 and --warmup >= 0');
  return o;
}

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(1);
}

function log(msg) {
  process.stderr.write(`bench: ${msg}\n`);
}

// ------------------------------------------------------------------ host facts
function isExecutable(p) {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function which(name) {
  for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (d && isExecutable(join(d, name))) return join(d, name);
  }
  return undefined;
}

function tpodBin() {
  for (const c of [process.env.TPOD_BIN, which('tpod'), join(repoRoot, 'dist', 'tpod'), join(repoRoot, 'dist', 'tpod.js')]) {
    if (c && isExecutable(c)) return c;
  }
  fail('no tpod found: set TPOD_BIN, run ./install.sh, or npm run build');
}

/** crun refuses hybrid cgroup hosts whose cgroup2 has controllers; both engines then use runc. */
function pickRuntime() {
  let hybridBlocked = false;
  try {
    hybridBlocked = readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').trim() !== '';
  } catch {
    /* not hybrid */
  }
  if (which('crun') && !hybridBlocked) return 'crun';
  if (which('runc')) return 'runc';
  return which('crun') ? 'crun' : undefined;
}

// ------------------------------------------------------------------ engines
function makeEngines(base, opts) {
  const dirs = (name) => {
    const d = { base: join(base, name) };
    for (const k of ['home', 'data', 'run', 'config', 'root', 'runroot']) {
      d[k] = join(d.base, k);
      mkdirSync(d[k], { recursive: true, mode: 0o700 });
    }
    return d;
  };
  const envFor = (d) => ({
    ...process.env,
    HOME: d.home,
    XDG_DATA_HOME: d.data,
    XDG_RUNTIME_DIR: d.run,
    XDG_CONFIG_HOME: d.config,
  });
  const t = dirs('tpod');
  const engines = [
    {
      name: 'tpod',
      bin: tpodBin(),
      globals: opts.runtime ? ['--runtime', opts.runtime] : [],
      env: envFor(t),
      dirs: t,
    },
  ];
  if (opts.podman && which('podman')) {
    const p = dirs('podman');
    engines.push({
      name: 'podman',
      bin: which('podman'),
      globals: [
        '--root', p.root, '--runroot', p.runroot,
        '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
        ...(opts.runtime ? ['--runtime', opts.runtime] : []),
      ],
      env: envFor(p),
      dirs: p,
    });
  }
  return engines;
}

/** Runs ENGINE ARGS, returns {code, stdout, stderr, ms}; stdout is kept only when asked. */
function exec(engine, args, { capture = false, timeout = 120_000 } = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(engine.bin, [...engine.globals, ...args], {
      env: engine.env,
      cwd: engine.dirs.base,
      stdio: ['ignore', capture ? 'pipe' : 'ignore', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout: '', stderr: e.message, ms: 0 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, signal, stdout: out, stderr: err, ms: performance.now() - t0 });
    });
  });
}

async function execOk(engine, args, what, timeout) {
  const r = await exec(engine, args, { capture: true, timeout });
  if (r.code !== 0) throw new Error(`${engine.name} ${args.join(' ')} (${what}) exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return r;
}

/** True when the engine knows the command (`ENGINE CMD --help` succeeds). */
async function hasCommand(engine, words) {
  const r = await exec(engine, [...words, '--help']);
  return r.code === 0;
}

// ------------------------------------------------------------------ rows
// A row: name, DESIGN.md's target (tpod/podman ratio, lower is better), the commands
// tpod needs (the row is skipped until they exist), optional setup per engine, and
// argv per engine (defaults to the same argv for both).
const IMAGE = 'localhost/busybox:latest';
const api = apiRows({ exec, execOk, log, IMAGE, which });
const ROWS = [
  {
    name: 'run --rm IMAGE true (network none)',
    target: 0.7,
    needs: [['run']],
    argv: () => ['run', '--rm', '--network', 'none', IMAGE, 'true'],
  },
  {
    name: 'images',
    target: undefined,
    needs: [['images']],
    argv: () => ['images'],
  },
  {
    name: 'ps -a with 50 containers',
    target: 1.0,
    needs: [['create'], ['ps']],
    setup: async (engine) => {
      for (let i = 0; i < 50; i++) await execOk(engine, ['create', '--network', 'none', IMAGE, 'true'], 'create 50 containers');
    },
    argv: () => ['ps', '-a'],
  },
  {
    // Not a time: resident memory of what keeps each detached container (tpod-monitor,
    // or conmon, plus the network helper), summed from /proc and divided per container.
    name: 'memory per running container (monitor + network helper)',
    target: 0.5,
    unit: 'KiB',
    needs: [['run'], ['rm']],
    measure: async (engine) => {
      const n = 3;
      const before = new Set(keeperProcesses(engine).map((p) => p.pid));
      const ids = [];
      for (let i = 0; i < n; i++) ids.push((await execOk(engine, ['run', '-d', IMAGE, 'sleep', '1000'], 'run -d')).stdout.trim());
      await new Promise((r) => setTimeout(r, 500)); // let double forks and helpers settle
      const procs = keeperProcesses(engine).filter((p) => !before.has(p.pid));
      log(`${engine.name}: ${procs.map((p) => `${p.comm} ${p.rssKiB} KiB`).join(', ')}`);
      await execOk(engine, ['rm', '-f', '-t', '0', ...ids], 'rm -f');
      return procs.reduce((sum, p) => sum + p.rssKiB, 0) / n;
    },
  },
  {
    // The same on a user network (issue 17's target): ten containers on one network share
    // its namespace, one user-mode helper and one DNS server (tpod-dns; Podman: aardvark-dns).
    name: 'memory per running container, 10 on one network (monitor + network helpers)',
    target: 0.5,
    unit: 'KiB',
    needs: [['network', 'create'], ['run'], ['rm']],
    measure: async (engine) => {
      const n = 10;
      await exec(engine, ['network', 'rm', '-f', 'benchnet']);
      await execOk(engine, ['network', 'create', 'benchnet'], 'network create');
      const before = new Set(keeperProcesses(engine).map((p) => p.pid));
      const ids = [];
      for (let i = 0; i < n; i++) ids.push((await execOk(engine, ['run', '-d', '--network', 'benchnet', IMAGE, 'sleep', '1000'], 'run -d --network')).stdout.trim());
      await new Promise((r) => setTimeout(r, 500)); // let double forks and helpers settle
      const procs = keeperProcesses(engine).filter((p) => !before.has(p.pid));
      log(`${engine.name}: ${procs.map((p) => `${p.comm} ${p.rssKiB} KiB`).join(', ')}`);
      await execOk(engine, ['rm', '-f', '-t', '0', ...ids], 'rm -f');
      await exec(engine, ['network', 'rm', '-f', 'benchnet']);
      return procs.reduce((sum, p) => sum + p.rssKiB, 0) / n;
    },
  },
  // Networking (src/network/): each engine's default network (tpod: pasta where
  // installed; Podman 4.3: slirp4netns, Podman 5: pasta), then slirp4netns on both.
  {
    name: 'run --rm IMAGE true (default network)',
    target: 0.7,
    needs: [['run']],
    argv: () => ['run', '--rm', IMAGE, 'true'],
  },
  {
    name: 'run --rm IMAGE true (network slirp4netns)',
    target: 0.7,
    needs: [['run']],
    argv: () => ['run', '--rm', '--network', 'slirp4netns', IMAGE, 'true'],
  },
  ...['default', 'slirp4netns'].flatMap((net) => [
    {
      // From `run -d -p` to the first HTTP 200 of busybox httpd through the published
      // port (polled every 5 ms), median of --runs; the container is removed untimed.
      name: `run -d -p to the first HTTP response (${net === 'default' ? 'default network' : net})`,
      target: 0.7,
      needs: [['run'], ['rm']],
      sample: async (engine) => {
        const port = await freePort();
        const t0 = performance.now();
        const id = (await execOk(engine, httpdArgs(net, `127.0.0.1:${port}:80`), 'run -d httpd')).stdout.trim();
        await firstResponse(port, 15_000);
        const ms = performance.now() - t0;
        await execOk(engine, ['rm', '-f', '-t', '0', id], 'rm -f');
        return ms;
      },
    },
    {
      // Requests per second from `ab` (apache2-utils; a sequential Node loop without it),
      // non-keep-alive GETs of a small file through the published loopback port.
      name: `HTTP requests per second through a published port (${net === 'default' ? 'default network' : net})`,
      target: 1.0,
      higherIsBetter: true,
      unit: 'req/s',
      needs: [['run'], ['rm']],
      measure: async (engine) => {
        const port = await freePort();
        const id = (await execOk(engine, httpdArgs(net, `127.0.0.1:${port}:80`), 'run -d httpd')).stdout.trim();
        try {
          await firstResponse(port, 15_000);
          await requestsPerSecond(port, 200); // warm-up
          const rates = [];
          for (let i = 0; i < 3; i++) rates.push(await requestsPerSecond(port, Number(process.env.BENCH_HTTP_REQUESTS) || 2000));
          log(`${engine.name} (${net}): ${rates.map((r) => `${r.toFixed(0)} req/s`).join(', ')}`);
          return median(rates);
        } finally {
          await execOk(engine, ['rm', '-f', '-t', '0', id], 'rm -f');
        }
      },
    },
  ]),
  // Pods (src/pod/): a new pod, then a container run in it (the infra starts first);
  // the pod is removed untimed. Podman builds its pause image on the first pod create,
  // tpod its infra image: the warm-up runs take that.
  ...['default', 'slirp4netns'].map((net) => ({
    name: `pod create + run --rm --pod POD IMAGE true (${net === 'default' ? 'default network' : net})`,
    target: 0.7,
    needs: [['pod', 'create'], ['pod', 'rm'], ['run']],
    sample: async (engine) => {
      const pod = `bench-pod-${++podBench.n}`;
      const t0 = performance.now();
      await execOk(engine, ['pod', 'create', '--name', pod, ...(net === 'default' ? [] : ['--network', net])], 'pod create');
      await execOk(engine, ['run', '--rm', '--pod', pod, IMAGE, 'true'], 'run --pod');
      const ms = performance.now() - t0;
      await execOk(engine, ['pod', 'rm', '-f', '-t', '0', pod], 'pod rm -f');
      return ms;
    },
  })),
  // Builds (src/build/): the same 10-step Containerfile over busybox (RUN, COPY and
  // config steps; RUN without a network on both), every step run (--no-cache), then
  // every step taken from the layer cache.
  {
    name: 'build of a 10-step Containerfile (--no-cache)',
    target: undefined,
    needs: [['build']],
    setup: async (engine) => buildContext(engine),
    argv: (engine) => ['build', '--no-cache', '--network', 'none', '-q', '-t', 'localhost/bench-build', buildContext(engine)],
  },
  {
    name: 'build of a 10-step Containerfile (all cached)',
    target: undefined,
    needs: [['build']],
    setup: async (engine) => {
      await execOk(engine, ['build', '--network', 'none', '-q', '-t', 'localhost/bench-build', buildContext(engine)], 'build to fill the cache', 600_000);
    },
    argv: (engine) => ['build', '--network', 'none', '-q', '-t', 'localhost/bench-build', buildContext(engine)],
  },
  // The Docker API (scripts/bench-api.mjs): the docker CLI against each engine's service.
  ...api.rows,
  {
    // A real distribution from a registry on loopback: pulled from scratch each run
    // (`rmi -a -f` in between, not timed), median of BENCH_PULL_RUNS (3) runs per engine.
    // Last: `rmi -a -f` also removes the busybox image the other rows run.
    name: 'pull of a Debian minbase image (95 MB gzip layer) from a loopback registry',
    target: 0.5,
    needs: [['pull'], ['rmi']],
    setup: async (engine) => {
      pullBench.ref ??= await startPullRegistry(engine);
      writeRegistriesConf(engine, pullBench.host);
      pullBench.engines.push(engine);
      // One untimed pull warms what is not the pull (pause process, storage set-up).
      await execOk(engine, ['pull', '-q', pullBench.ref], 'warm-up pull', 600_000);
    },
    measure: async (engine) => {
      // Every engine's runs, alternating, on the first call: the machine's state drifts
      // (page cache, writeback) over a series of 200 MB extractions.
      if (!pullBench.times) {
        pullBench.times = Object.fromEntries(pullBench.engines.map((e) => [e.name, []]));
        const runs = Number(process.env.BENCH_PULL_RUNS) || 3;
        for (let i = 0; i < runs; i++) {
          for (const e of pullBench.engines) {
            await execOk(e, ['rmi', '-a', '-f'], 'rmi before pull');
            const r = await exec(e, ['pull', '-q', pullBench.ref], { timeout: 600_000 });
            if (r.code !== 0) throw new Error(`${e.name} pull exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
            pullBench.times[e.name].push(r.ms);
          }
        }
        for (const e of pullBench.engines) log(`${e.name} pull: ${pullBench.times[e.name].map((t) => fmt(t)).join(', ')}`);
      }
      return median(pullBench.times[engine.name]);
    },
  },
];
const podBench = { n: 0 };

/** The build rows' context (made once per engine, in its own temp dir); returns its path. */
function buildContext(engine) {
  const dir = join(engine.dirs.base, 'build-context');
  try {
    statSync(join(dir, 'Containerfile'));
    return dir;
  } catch {
    /* make it */
  }
  mkdirSync(join(dir, 'conf'), { recursive: true });
  writeFileSync(join(dir, 'app.txt'), 'application data\n');
  for (let i = 0; i < 5; i++) writeFileSync(join(dir, 'conf', `c${i}.conf`), `setting=${i}\n`);
  writeFileSync(join(dir, 'Containerfile'), [
    `FROM ${IMAGE}`,
    'ENV APP=/app MODE=bench',
    'COPY app.txt /app/',
    'WORKDIR /app',
    'COPY conf/ /etc/app/',
    'RUN mkdir -p /app/data && echo one > /app/data/one',
    'RUN cat /etc/app/*.conf > /app/all.conf',
    'RUN rm /app/data/one && echo two > /app/data/two',
    'LABEL org.example.bench=build',
    'CMD ["cat", "/app/all.conf"]',
    '',
  ].join('\n'));
  return dir;
}

// ------------------------------------------------------------------ the pull row's registry
// The Debian image is built once (debootstrap --variant=minbase bookworm, inside
// `tpod unshare` so files keep their owners, packed by umoci as one gzip layer) and
// cached in ~/.cache/tpod-bench; a docker-registry on a free loopback port serves it,
// filled by skopeo. Both are torn down when the bench exits.
const pullBench = { ref: undefined, host: undefined, dir: undefined, child: undefined, engines: [], times: undefined };

function debianMirror() {
  if (process.env.DEBIAN_MIRROR) return process.env.DEBIAN_MIRROR;
  for (const [file, re] of [['/etc/apt/sources.list.d/debian.sources', /^URIs:\s*(\S+)/m], ['/etc/apt/sources.list', /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+\s+main/m]]) {
    try {
      const m = re.exec(readFileSync(file, 'utf8'));
      if (m) return m[1];
    } catch {
      /* not there */
    }
  }
  return 'http://deb.debian.org/debian';
}

async function debianLayout(tpodEngine) {
  const cache = join(process.env.XDG_CACHE_HOME || join(process.env.HOME || tmpdir(), '.cache'), 'tpod-bench', 'debian-bookworm-minbase');
  const layout = join(cache, 'layout');
  try {
    statSync(join(layout, 'DONE'));
    return layout;
  } catch {
    /* build it */
  }
  for (const t of ['debootstrap', 'umoci', 'skopeo', 'docker-registry']) if (!which(t)) throw new Error(`the pull row needs ${t} (install it, e.g. ./install.sh --with-test-deps)`);
  log(`building the Debian minbase image once (debootstrap from ${debianMirror()}, about a minute) into ${cache}`);
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  // Inside the user namespace debootstrap runs as root; container=lxc skips its mknod
  // check (device nodes cannot be made there, and an image needs none).
  const script = [
    'set -e',
    `${which('debootstrap')} --variant=minbase bookworm "$1/rootfs" "$2" >"$1/debootstrap.log" 2>&1 || { tail -5 "$1/debootstrap.log" >&2; exit 1; }`,
    'umoci init --layout "$1/layout"',
    'umoci new --image "$1/layout:debian"',
    'umoci unpack --image "$1/layout:debian" "$1/bundle"',
    'rmdir "$1/bundle/rootfs" && mv "$1/rootfs" "$1/bundle/rootfs"',
    'umoci repack --image "$1/layout:debian" "$1/bundle"',
    'umoci config --image "$1/layout:debian" --config.cmd /bin/bash --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'rm -rf "$1/bundle"',
  ].join('\n');
  const builder = { ...tpodEngine, env: { ...tpodEngine.env, container: 'lxc', PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin` } };
  const r = await exec(builder, ['unshare', 'sh', '-c', script, 'build', cache, debianMirror()], { capture: true, timeout: 900_000 });
  if (r.code !== 0) {
    await exec(tpodEngine, ['unshare', 'rm', '-rf', cache]);
    throw new Error(`building the Debian image failed: ${r.stderr.trim().split('\n').slice(-5).join(' / ')}`);
  }
  writeFileSync(join(layout, 'DONE'), new Date().toISOString());
  return layout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts the registry (once) and pushes the image with skopeo; returns the image reference. */
async function startPullRegistry(anyEngine) {
  const tpodEngine = anyEngine.name === 'tpod' ? anyEngine : undefined;
  if (!tpodEngine) throw new Error('the pull row builds its image with tpod unshare: run it with tpod first');
  const layout = await debianLayout(tpodEngine);
  pullBench.dir = mkdtempSync(join(tmpdir(), 'tpod-bench-registry-'));
  const host = `127.0.0.1:${await freePort()}`;
  writeFileSync(join(pullBench.dir, 'config.yml'), `version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\nstorage: {filesystem: {rootdirectory: ${join(pullBench.dir, 'data')}}}\nhttp: {addr: "${host}"}\n`);
  pullBench.child = spawn(which('docker-registry'), ['serve', join(pullBench.dir, 'config.yml')], { stdio: 'ignore' });
  pullBench.child.unref(); // the bench exits when its work is done; 'exit' stops the registry
  process.on('exit', () => {
    pullBench.child?.kill('SIGKILL');
    rmSync(pullBench.dir, { recursive: true, force: true });
  });
  const ref = `${host}/bench/debian:minbase`;
  for (let i = 0; ; i++) {
    const c = spawnSync('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:debian`, `docker://${ref}`], { encoding: 'utf8' });
    if (c.status === 0) break;
    if (i >= 20) throw new Error(`skopeo copy to the bench registry failed: ${c.stderr}`);
    await new Promise((r) => setTimeout(r, 250)); // the registry is still starting
  }
  pullBench.host = host;
  return ref;
}

/** Points an engine at the plain-http bench registry (Podman 4 reads ~/.config, tpod $XDG_CONFIG_HOME). */
function writeRegistriesConf(engine, host) {
  const text = `[[registry]]\nlocation = "${host}"\ninsecure = true\n`;
  for (const dir of [join(engine.dirs.config, 'containers'), join(engine.dirs.home, '.config', 'containers')]) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'registries.conf'), text);
  }
}

// ------------------------------------------------------------------ the network rows' server
// busybox httpd serving one small file from a directory both engines bind-mount.
let wwwDir;
function www() {
  if (!wwwDir) {
    wwwDir = mkdtempSync(join(tmpdir(), 'tpod-bench-www-'));
    writeFileSync(join(wwwDir, 'index.html'), 'hello\n'.repeat(20));
    process.on('exit', () => rmSync(wwwDir, { recursive: true, force: true }));
  }
  return wwwDir;
}

function httpdArgs(net, publish) {
  return ['run', '-d', ...(net === 'default' ? [] : ['--network', net]), '-p', publish, '-v', `${www()}:/www:ro`, IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www'];
}

function httpGet(port) {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/index.html', agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function firstResponse(port, timeoutMs) {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (await httpGet(port)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no HTTP answer on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

async function requestsPerSecond(port, n) {
  const ab = which('ab');
  if (ab) {
    const r = spawnSync(ab, ['-q', '-n', String(n), '-c', '4', `http://127.0.0.1:${port}/index.html`], { encoding: 'utf8', timeout: 300_000 });
    const m = /Requests per second:\s+([\d.]+)/.exec(r.stdout ?? '');
    const failed = /Failed requests:\s+(\d+)/.exec(r.stdout ?? '');
    if (r.status !== 0 || !m) throw new Error(`ab failed: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-2).join(' / ')}`);
    if (failed && Number(failed[1]) > 0) throw new Error(`ab: ${failed[1]} of ${n} requests failed`);
    return Number(m[1]);
  }
  const t0 = performance.now();
  for (let i = 0; i < n; i++) if (!(await httpGet(port))) throw new Error('a request failed');
  return n / ((performance.now() - t0) / 1000);
}

// ------------------------------------------------------------------ measurement
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Container-keeping processes (monitors, network helpers) of one engine: ours, started with its runtime dir. */
const KEEPERS = new Set(['tpod-monitor', 'conmon', 'slirp4netns', 'pasta', 'pasta.avx2', 'passt', 'passt.avx2', 'rootlessport', 'rootlessport-ch', 'tpod-dns', 'aardvark-dns']);
function keeperProcesses(engine) {
  const uid = process.getuid();
  const marker = Buffer.from(`\0XDG_RUNTIME_DIR=${engine.dirs.run}\0`);
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (statSync(`/proc/${name}`).uid !== uid) continue;
      const comm = readFileSync(`/proc/${name}/comm`, 'utf8').trim();
      if (!KEEPERS.has(comm)) continue;
      if (!Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${name}/environ`)]).includes(marker)) continue;
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'));
      if (rss) out.push({ pid: Number(name), comm, rssKiB: Number(rss[1]) });
    } catch {
      /* gone, or not ours */
    }
  }
  return out;
}

async function measureRow(row, engines, opts) {
  const result = { name: row.name, target: row.target, unit: row.unit, higherIsBetter: row.higherIsBetter, engines: {} };
  for (const e of engines) {
    for (const words of row.needs ?? []) {
      if (!(await hasCommand(e, words))) {
        result.skipped = `${e.name} has no \`${words.join(' ')}\` command yet`;
        return result;
      }
    }
  }
  // A row over the API service waits for the endpoints it needs.
  const unserved = await row.unservedBy?.(engines);
  if (unserved) {
    result.skipped = unserved;
    return result;
  }
  for (const e of engines) await row.setup?.(e);
  if (row.measure) {
    for (const e of engines) {
      const v = await row.measure(e, opts);
      result.engines[e.name] = { median: v, min: v, max: v, runs: 1 };
    }
    if (result.engines.podman) result.ratio = result.engines.tpod.median / result.engines.podman.median;
    return result;
  }
  // Warm up, then alternate engines each round so drift hits both alike. A row with
  // `sample(engine)` times something other than one command (it returns milliseconds).
  const once = async (e) => {
    if (row.sample) return row.sample(e);
    const r = await exec(e, row.argv(e));
    if (r.code !== 0) throw new Error(`${e.name} ${row.argv(e).join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    return r.ms;
  };
  for (const e of engines) {
    for (let i = 0; i < opts.warmup; i++) await (row.sample ? row.sample(e) : execOk(e, row.argv(e), 'warm-up'));
  }
  const times = Object.fromEntries(engines.map((e) => [e.name, []]));
  for (let i = 0; i < opts.runs; i++) {
    for (const e of engines) times[e.name].push(await once(e));
  }
  for (const e of engines) {
    const t = times[e.name];
    result.engines[e.name] = { median: median(t), min: Math.min(...t), max: Math.max(...t), runs: t.length };
  }
  if (result.engines.podman) result.ratio = result.engines.tpod.median / result.engines.podman.median;
  return result;
}

// ------------------------------------------------------------------ clean-up
function pidFromFile(path, comm, uid) {
  try {
    // tpod's pause.pid is "PID STARTTIME BOOTID"; Podman's holds the pid alone.
    const pid = Number(readFileSync(path, 'utf8').trim().split(/\s+/)[0]);
    if (!(pid > 0)) return undefined;
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== comm) return undefined;
    if (statSync(`/proc/${pid}`).uid !== uid) return undefined;
    return pid;
  } catch {
    return undefined;
  }
}

async function cleanupEngine(e) {
  const uid = process.getuid();
  await exec(e, ['rm', '--all', '--force', '--time', '0']);
  // Files owned by subordinate ids can only be deleted from inside the user namespace.
  const storage = e.name === 'tpod' ? [join(e.dirs.data, 'tpod')] : [e.dirs.root, e.dirs.runroot];
  await exec(e, ['unshare', 'rm', '-rf', ...storage]);
  const pause =
    e.name === 'tpod'
      ? pidFromFile(join(e.dirs.run, 'tpod', 'pause.pid'), 'tpod-pause', uid)
      : pidFromFile(join(e.dirs.run, 'libpod', 'tmp', 'pause.pid'), 'catatonit', uid);
  if (pause) {
    try {
      process.kill(pause, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** rm -rf, retrying once after making our own read-only directories writable. */
function removeTree(dir) {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    spawnSync('chmod', ['-R', 'u+rwX', dir], { stdio: 'ignore' });
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      log(`could not remove ${dir}: ${err.message}`);
    }
  }
}

// ------------------------------------------------------------------ report
function fmt(ms, unit) {
  if (ms !== undefined && unit === 'req/s') return `${ms.toFixed(0)} req/s`;
  if (ms !== undefined && unit === 'KiB') return ms >= 1024 ? `${(ms / 1024).toFixed(2)} MiB` : `${ms.toFixed(0)} KiB`;
  return ms === undefined ? '-' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

function report(results, ctx) {
  const lines = [];
  lines.push(`tpod ${ctx.tpodVersion} vs ${ctx.podmanVersion ?? 'podman: not installed'}; runtime ${ctx.runtime ?? 'default'}; ` +
    `median of ${ctx.runs} runs after ${ctx.warmup} warm-ups; image ${IMAGE} (busybox rootfs)`);
  const head = ['operation', 'tpod', 'podman', 'tpod/podman', 'target', ''];
  const rows = results.map((r) => {
    // Rates (req/s) are better higher: their target is a floor.
    const targetText = r.target ? `${r.higherIsBetter ? '>=' : '<='} ${r.target}x` : '-';
    if (r.skipped) return [r.name, '-', '-', '-', targetText, `skipped: ${r.skipped}`];
    const met = r.higherIsBetter ? r.ratio >= r.target : r.ratio <= r.target;
    const verdict = r.ratio === undefined || r.target === undefined ? '' : met ? 'ok' : r.higherIsBetter ? 'UNDER TARGET' : 'OVER TARGET';
    return [
      r.name,
      fmt(r.engines.tpod?.median, r.unit),
      fmt(r.engines.podman?.median, r.unit),
      r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`,
      targetText,
      verdict,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  lines.push('', line(head), ...rows.map(line));
  return lines.join('\n') + '\n';
}

// ------------------------------------------------------------------ main
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid() === 0) {
    fail('refusing to run as root: tpod is rootless and the comparison is with rootless Podman; run as a normal user');
  }
  opts.runtime ??= pickRuntime();
  const base = mkdtempSync(join(tmpdir(), 'tpod-bench-'));
  const engines = makeEngines(base, opts);
  const ctx = { runs: opts.runs, warmup: opts.warmup, runtime: opts.runtime };
  ctx.tpodVersion = (await exec(engines[0], ['--version'], { capture: true })).stdout.trim().replace(/^tpod version /, '');
  if (engines[1]) ctx.podmanVersion = (await exec(engines[1], ['--version'], { capture: true })).stdout.trim();
  else log(opts.podman ? 'podman is not installed: measuring tpod alone' : 'podman left out (--no-podman)');

  const results = [];
  let failed = false;
  try {
    const tar = join(base, 'busybox.tar');
    const b = spawnSync(join(repoRoot, 'scripts', 'busybox-rootfs.sh'), [tar], { encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`scripts/busybox-rootfs.sh failed: ${b.stderr}`);
    for (const e of engines) {
      if (!(await hasCommand(e, ['import']))) throw new Error(`${e.name} has no import command yet`);
      await execOk(e, ['import', tar, IMAGE], 'import the busybox rootfs');
    }
    for (const row of ROWS) {
      if (opts.only && !opts.only.some((o) => row.name.startsWith(o))) continue;
      log(`measuring: ${row.name}`);
      try {
        results.push(await measureRow(row, engines, opts));
      } catch (err) {
        failed = true;
        results.push({ name: row.name, target: row.target, engines: {}, skipped: `FAILED: ${err.message}` });
      }
    }
  } catch (err) {
    failed = true;
    log(err.message);
  } finally {
    await api.stop();
    for (const e of engines) await cleanupEngine(e).catch(() => undefined);
    removeTree(base);
  }
  if (opts.json) process.stdout.write(JSON.stringify({ ...ctx, results }, null, 2) + '\n');
  else if (results.length) process.stdout.write(report(results, ctx));
  process.exitCode = failed ? 1 : 0;
}

await main();
