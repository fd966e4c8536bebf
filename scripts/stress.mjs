#!/usr/bin/env node
// npm run test:stress: the end-to-end suite plus the leak soak (test/stress/) while
// stress-ng keeps every core busy, as on a loaded laptop or a shared CI runner. It must
// pass as the plain `npm run test:e2e` does: no test may depend on the machine's speed.
//
//   node scripts/stress.mjs [vitest args, e.g. a file filter]
//
// Run as the unprivileged test user, like npm test. stress-ng is a test dependency
// (./install.sh --with-test-deps); without it this fails rather than testing nothing.
// TPOD_STRESS_WORKERS sets the number of CPU hogs (default: one per core).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function die(msg) {
  process.stderr.write(`test:stress: ${msg}\n`);
  process.exit(1);
}

if (spawnSync('stress-ng', ['--version'], { stdio: 'ignore' }).status !== 0) {
  die('stress-ng is not installed (./install.sh --with-test-deps installs it)');
}
const workers = Number(process.env.TPOD_STRESS_WORKERS ?? availableParallelism());
if (!Number.isInteger(workers) || workers < 1) die(`TPOD_STRESS_WORKERS=${process.env.TPOD_STRESS_WORKERS} is not a positive number`);

// Its own process group, so that it and its workers end together; the timeout ends it
// even if this script is killed before it can.
const load = spawn('stress-ng', ['--cpu', String(workers), '--cpu-method', 'all', '--timeout', '3h', '--quiet'], {
  detached: true,
  stdio: 'ignore',
});
let loadEnded = false;
load.on('exit', () => (loadEnded = true));
const stopLoad = () => {
  try {
    process.kill(-load.pid, 'SIGKILL');
  } catch {
    /* gone already */
  }
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    stopLoad();
    process.exit(130);
  });
}

// Its workers must be spinning before the first test starts.
const deadline = Date.now() + 10_000;
while (countWorkers(load.pid) < workers) {
  if (loadEnded || Date.now() > deadline) {
    stopLoad();
    die(`stress-ng did not start ${workers} CPU workers`);
  }
  await new Promise((r) => setTimeout(r, 50));
}
process.stdout.write(`test:stress: ${workers} stress-ng CPU workers keep the cores busy\n`);

const vitest = spawn('npx', ['vitest', 'run', '--project', 'e2e', '--project', 'stress', ...process.argv.slice(2)], {
  cwd: repoRoot,
  stdio: 'inherit',
});
const code = await new Promise((r) => vitest.on('close', (c, sig) => r(c ?? (sig ? 1 : 0))));
const stillLoaded = !loadEnded;
stopLoad();
if (!stillLoaded) die('stress-ng ended before the tests did: this run was not under load');
process.exit(code);

/** stress-ng's children (its CPU workers) that are alive. */
function countWorkers(pid) {
  let n = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[1] === String(pid) && fields[0] !== 'Z') n++;
    } catch {
      /* gone */
    }
  }
  return n;
}
