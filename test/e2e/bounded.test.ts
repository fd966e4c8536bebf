// Memory that does not grow with the data, end to end: `logs` of a 200 MB log (written
// here in the k8s-file format, not by tpod) with --tail and in full, and `attach` with a
// reader that does not keep up. Peak memory is the kernel's word (/usr/bin/time's
// maximum resident set, /proc/PID/status), compared with a bound far below the data.
import { expect, it, beforeAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, useEnv, tpod, tpodOk, tpodBin, busyboxImage, until } from './harness.js';

/** A Node process with tpod's code loaded stays near 60 MB; the log is 200 MB. */
const BOUND_KB = 150 * 1024;
const LOG_BYTES = 200 * 1024 * 1024;

describeE2E('bounded memory', () => {
  const t = useEnv('bounded');
  let img: string;

  beforeAll(async () => {
    // /usr/bin/time (Debian/Fedora package "time") reports the peak; its absence is a set-up failure.
    expect(existsSync('/usr/bin/time')).toBe(true);
    img = await busyboxImage(t.env);
  });

  it('logs --tail 2 and logs of a 200 MB log stream in bounded memory', async () => {
    const env = t.env;
    const id = (await tpodOk(['create', '--name', 'big', img, 'true'], { env })).stdout.trim();
    const file = join(env.dataHome, 'tpod', 'containers', id, 'userdata', 'ctr.log');
    const fd = openSync(file, 'w', 0o600);
    let written = 0;
    let lines = 0;
    const line = (n: number) => `2024-05-01T12:00:00.${String(n % 1e9).padStart(9, '0')}+00:00 ${n % 5 === 0 ? 'stderr' : 'stdout'} F line ${n} ${'x'.repeat(60)}\n`;
    const block: string[] = [];
    while (written < LOG_BYTES) {
      block.length = 0;
      for (let i = 0; i < 10_000; i++) block.push(line(lines++));
      const b = Buffer.from(block.join(''));
      writeSync(fd, b);
      written += b.length;
    }
    writeSync(fd, `2024-05-01T12:00:01.000000000+00:00 stdout P last-but-one \n2024-05-01T12:00:01.000000001+00:00 stderr F the end\n2024-05-01T12:00:01.000000002+00:00 stdout F line\n`);
    closeSync(fd);

    const timed = (args: string[], shell?: string) => {
      const out = join(env.base, 'rss');
      const cmd = `/usr/bin/time -f %M -o ${out} ${[tpodBin(), ...args].map((a) => `'${a}'`).join(' ')}${shell ?? ''}`;
      const r = spawnSync('sh', ['-c', cmd], { env: env.vars, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
      return { ...r, rssKb: Number(readFileSync(out, 'utf8').trim().split('\n').pop()) };
    };
    const tail = timed(['logs', '--tail', '2', 'big']);
    expect(tail.status).toBe(0);
    expect(tail.stdout).toBe('last-but-one line\n');
    expect(tail.stderr).toBe('the end\n');
    expect(tail.rssKb).toBeLessThan(BOUND_KB);

    // The whole log through a pipe: every line out, memory the same.
    const all = timed(['logs', 'big'], ' 2>&1 | wc -l');
    expect(all.status).toBe(0);
    expect(Number(all.stdout.trim())).toBe(lines + 2);
    expect(all.rssKb).toBeLessThan(BOUND_KB);
  }, 600_000);

  it('attach with a reader that does not read holds the container back instead of buffering its output', async () => {
    const env = t.env;
    // Sleeps first so the client is attached before the flood (if not, the log takes it).
    const id = (await tpodOk(['run', '-d', '--name', 'flood', img, 'sh', '-c', 'sleep 2; yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 300000000'], { env })).stdout.trim();
    const client = spawn(tpodBin(), ['attach', '--no-stdin', 'flood'], { env: env.vars, stdio: ['ignore', 'pipe', 'pipe'] });
    client.stdout.pause(); // nobody reads
    const status = () => {
      try {
        return readFileSync(`/proc/${client.pid}/status`, 'utf8');
      } catch {
        return '';
      }
    };
    const vm = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status())?.[1] ?? 0);
    // Until the container is writing (its log grows), then for a while after.
    const log = join(env.dataHome, 'tpod', 'containers', id, 'userdata', 'ctr.log');
    const size = () => (existsSync(log) ? statSync(log).size : 0);
    await until('the container writes', () => size() > 0, 60_000);
    const started = Date.now();
    while (Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 200));
    const peak = vm('VmHWM');
    const monitor = Number((await tpodOk(['inspect', '--format', '{{.State.ConmonPid}}', 'flood'], { env })).stdout.trim() || 0);
    client.kill('SIGKILL');
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(BOUND_KB);
    // The container was held back: far from its 300 MB.
    expect(size()).toBeLessThan(150 * 1024 * 1024);
    if (monitor > 0 && existsSync(`/proc/${monitor}/status`)) {
      const m = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${monitor}/status`, 'utf8'))?.[1] ?? 0);
      expect(m).toBeLessThan(16 * 1024);
    }
    await tpod(['rm', '-f', '-t', '0', 'flood'], { env });
  }, 120_000);
});
