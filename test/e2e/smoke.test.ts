// The first things a user types: the binary starts, reports its version, lists its
// commands, rejects bad input the way Podman does, and runs the README's first
// container without a registry.
import { expect, it } from 'vitest';
import { describeE2E, tpod, useEnv, busyboxImage, BUSYBOX_IMAGE } from './harness.js';

describeE2E('smoke', () => {
  const t = useEnv('smoke');

  it('reports its version', async () => {
    const r = await tpod(['--version'], { env: t.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tpod version \d+\.\d+\.\d+/);
  });

  it('lists its commands with help', async () => {
    const r = await tpod(['help'], { env: t.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/version/);
  });

  it('rejects an unknown flag with exit 125 and Podman\'s wording', async () => {
    const r = await tpod(['version', '--no-such-flag'], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^Error: unknown flag: --no-such-flag/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('rejects an unknown command with exit 125', async () => {
    const r = await tpod(['no-such-command'], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^Error: /);
  });

  it('describes the host with info', async () => {
    const r = await tpod(['info', '--format', 'json'], { env: t.env });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { host?: unknown; store?: unknown };
    expect(info.host).toBeDefined();
    expect(info.store).toBeDefined();
  });

  it('runs the README\'s first container offline (import of the busybox rootfs, then run)', async () => {
    const image = await busyboxImage(t.env);
    expect(image).toBe(BUSYBOX_IMAGE);
    const r = await tpod(['run', '--rm', image, 'echo', 'hello from tpod'], { env: t.env });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello from tpod\n');
  });
});
