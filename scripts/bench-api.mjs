// The Docker API rows of npm run bench (scripts/bench.mjs): the same docker CLI against
// `tpod system service` and `podman system service`, each engine serving its own private
// store on its own socket, as the unprivileged user. Rows whose endpoints tpod does not
// serve yet are skipped with the missing endpoint named.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** Processes that belong to an engine's containers or user namespace, not to its service. */
const NOT_SERVICE = new Set(['tpod-monitor', 'conmon', 'slirp4netns', 'pasta', 'pasta.avx2', 'passt', 'passt.avx2', 'rootlessport', 'rootlessport-ch', 'tpod-dns', 'aardvark-dns', 'catatonit', 'tpod-pause']);

/** One HTTP request over a unix socket: { status, body, ms }, ms from the request to the whole answer. */
export function apiGet(socket, path, { method = 'GET', timeout = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request({ socketPath: socket, method, path, timeout }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body, ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} on ${socket}: no answer in ${timeout} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** PID and its descendants (from /proc/PID/stat's ppid). */
function processTree(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      /* gone */
    }
  }
  const out = [];
  const walk = (p) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

function rssOf(pid) {
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    // RssFile is mostly the engine's own binary (node's, podman's), shared between its processes.
    return Number.isNaN(kib('VmRSS')) ? undefined : { pid, comm, rssKiB: kib('VmRSS'), anonKiB: kib('RssAnon'), fileKiB: kib('RssFile') };
  } catch {
    return undefined;
  }
}

/** Stops a service we started: SIGTERM to it, then SIGKILL to what is left of its tree. */
async function stopProcess(child, ms = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('close', r));
  const tree = processTree(child.pid);
  child.kill('SIGTERM');
  if (await Promise.race([gone.then(() => true), sleep(ms).then(() => false)])) return;
  for (const p of tree) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await gone;
}

/**
 * The API rows, and stop() for the services they leave running. H gives bench.mjs's
 * helpers: exec, execOk, log, IMAGE, which.
 */
export function apiRows(h) {
  const { exec, execOk, log, IMAGE, which } = h;
  const services = new Map(); // engine name -> { child, socket, log() }
  const started = new Set();
  process.on('exit', () => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  /** `ENGINE system service --time T unix://SOCKET`, resolved once it answers _ping. */
  async function startService(engine, name, time = '0') {
    const socket = join(engine.dirs.base, `${name}.sock`);
    const child = spawn(engine.bin, [...engine.globals, 'system', 'service', '--time', time, `unix://${socket}`], {
      env: engine.env,
      cwd: engine.dirs.base,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    started.add(child);
    let err = '';
    child.stderr.on('data', (b) => (err = (err + b).slice(-4000)));
    const end = performance.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${engine.name} system service exited ${child.exitCode}: ${err.trim().split('\n').slice(-3).join(' / ')}`);
      if (existsSync(socket) && (await apiGet(socket, '/_ping', { timeout: 5000 }).catch(() => undefined))?.status === 200) break;
      if (performance.now() > end) throw new Error(`${engine.name} system service did not answer on ${socket}: ${err.trim().split('\n').slice(-3).join(' / ')}`);
      await sleep(20);
    }
    return { child, socket, log: () => err };
  }

  async function service(engine) {
    if (!services.has(engine.name)) services.set(engine.name, await startService(engine, 'api'));
    return services.get(engine.name);
  }

  /** The docker CLI as a bench engine, pointed at ENGINE's service. */
  async function dockerFor(engine) {
    const docker = which('docker');
    if (!docker) throw new Error('the API rows need the docker CLI on PATH');
    const s = await service(engine);
    return {
      name: `docker -> ${engine.name}`,
      bin: docker,
      globals: [],
      env: { ...engine.env, DOCKER_HOST: `unix://${s.socket}`, DOCKER_CONFIG: join(engine.dirs.home, '.docker') },
      dirs: engine.dirs,
    };
  }

  /** Why the row cannot run yet: an endpoint tpod's service does not serve (its router's 404). */
  const unserved = (endpoints) => async (engines) => {
    const tpod = engines.find((e) => e.name === 'tpod');
    if (!tpod) return undefined;
    const s = await service(tpod);
    const missing = [];
    for (const [method, path] of endpoints) {
      const r = await apiGet(s.socket, path, { method });
      if (r.status === 404 && /page not found/.test(r.body)) missing.push(`${method} ${path.replace(/^\/v[\d.]+/, '').replace(/\?.*/, '').replace(/bench-probe/g, '{id}')}`);
    }
    return missing.length ? `tpod's service does not serve ${missing.join(', ')} yet` : undefined;
  };

  const dockerSample = (argv) => async (engine) => {
    const d = await dockerFor(engine);
    const r = await exec(d, argv);
    if (r.code !== 0) throw new Error(`${d.name} ${argv.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    return r.ms;
  };

  const unservedPaths = new Set();
  const rows = [
    {
      name: 'API: docker run --rm IMAGE true',
      target: 0.8,
      needs: [['system', 'service']],
      unservedBy: unserved([
        ['POST', '/v1.41/containers/create'],
        ['POST', '/v1.41/containers/bench-probe/attach?stream=1&stdout=1&stderr=1'],
        ['POST', '/v1.41/containers/bench-probe/start'],
        ['POST', '/v1.41/containers/bench-probe/wait?condition=removed'],
      ]),
      sample: dockerSample(['run', '--rm', IMAGE, 'true']),
    },
    {
      name: 'API: docker ps -a with 50 containers',
      target: 1.0,
      needs: [['system', 'service'], ['create'], ['ps']],
      unservedBy: unserved([['GET', '/v1.41/containers/json?all=1']]),
      // Up to 50 containers (an earlier ps row may have made them already).
      setup: async (engine) => {
        const have = (await execOk(engine, ['ps', '-aq'], 'count containers')).stdout.split('\n').filter(Boolean).length;
        for (let i = have; i < 50; i++) await execOk(engine, ['create', '--network', 'none', IMAGE, 'true'], 'create 50 containers');
      },
      sample: dockerSample(['ps', '-a']),
    },
    {
      // From connecting to a socket nobody serves yet (systemd-socket-activate holds it,
      // as tpod.socket would) to the answer of GET /_ping: the service's cold start. It is
      // started with --time 1 and left to exit on its own, untimed.
      name: 'API: first request (GET /_ping) through a cold socket-activated service',
      target: 1.0,
      needs: [['system', 'service']],
      sample: async (engine) => {
        const activate = which('systemd-socket-activate');
        if (!activate) throw new Error('this row needs systemd-socket-activate (systemd)');
        const socket = join(engine.dirs.base, 'cold.sock');
        const setenv = Object.keys(engine.env).flatMap((k) => ['-E', k]);
        const child = spawn(activate, ['-l', socket, ...setenv, '--', engine.bin, ...engine.globals, 'system', 'service', '--time', '1'], {
          env: engine.env,
          cwd: engine.dirs.base,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        started.add(child);
        let err = '';
        child.stderr.on('data', (b) => (err = (err + b).slice(-4000)));
        const closed = new Promise((r) => child.once('close', r));
        try {
          // It says so once it listens (the file exists from bind(), a moment before).
          const end = performance.now() + 10_000;
          while (!err.includes('Listening on')) {
            if (child.exitCode !== null || performance.now() > end) throw new Error(`systemd-socket-activate did not listen on ${socket}: ${err.trim()}`);
            await sleep(5);
          }
          const r = await apiGet(socket, '/_ping');
          if (r.status !== 200) throw new Error(`${engine.name}: cold GET /_ping answered ${r.status} ${r.body}`);
          if (!(await Promise.race([closed.then(() => true), sleep(30_000).then(() => false)]))) throw new Error(`${engine.name} system service --time 1 did not exit when idle`);
          return r.ms;
        } finally {
          await stopProcess(child);
        }
      },
    },
    ...[
      ['just after the requests', 1000],
      // tpod's --time 0 service hands its socket to tpod-apid after 5 s without requests.
      ['idle, 10 s after the last request', 10_000],
    ].map(([when, settleMs]) => ({
      // Not a time: resident memory of the service's processes (the one serving, and a
      // parent that waits for it where the engine has one) after a few requests, on a
      // fresh --time 0 service. The same requests for both engines: those tpod serves.
      name: `API: service memory (RSS after a few requests, ${when})`,
      target: 1.0,
      unit: 'KiB',
      needs: [['system', 'service']],
      measure: async (engine) => {
        const s = await startService(engine, 'mem');
        try {
          const paths = ['/_ping', '/v1.41/version', '/v1.41/info', '/v1.41/containers/json?all=1', '/v1.41/images/json', '/v1.41/volumes', '/v1.41/networks'];
          // tpod measures first: what it does not serve yet, Podman is not asked either.
          for (let i = 0; i < 3; i++) {
            for (const p of paths) {
              if (unservedPaths.has(p)) continue;
              const r = await apiGet(s.socket, p);
              if (engine.name === 'tpod' && r.status === 404 && /page not found/.test(r.body)) unservedPaths.add(p);
            }
          }
          await sleep(settleMs);
          const procs = processTree(s.child.pid).map(rssOf).filter((p) => p && !NOT_SERVICE.has(p.comm));
          log(`${engine.name} service (${when}): ${procs.map((p) => `${p.comm} ${p.rssKiB} KiB (anon ${p.anonKiB}, file ${p.fileKiB})`).join(', ')}${unservedPaths.size ? ` (left out, tpod does not serve them yet: ${[...unservedPaths].join(', ')})` : ''}`);
          return procs.reduce((sum, p) => sum + p.rssKiB, 0);
        } finally {
          await stopProcess(s.child);
        }
      },
    })),
  ];
  return {
    rows,
    /** Stops every service the rows started (before bench.mjs cleans the engines' storage). */
    async stop() {
      for (const c of started) await stopProcess(c);
    },
  };
}
