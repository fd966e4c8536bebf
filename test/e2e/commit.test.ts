// `tpod commit`: a container's changes (files added, changed and deleted) become a new
// layer over its image, with the container's command and --change applied; the image
// runs, saves and loads like any other, and the image filters and names history see it.
import { expect, it } from 'vitest';
import { join } from 'node:path';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage } from './harness.js';

describeE2E('commit', () => {
  const t = useEnv('commit');
  const ok = (args: string[]) => tpodOk(args, { env: t.env });

  it('stores added, changed and deleted files as a new layer, with the container command and --change', async () => {
    const img = await busyboxImage(t.env);
    await ok(['run', '--name', 'changer', '-e', 'FOO=bar', img, 'sh', '-c', 'echo new > /added; echo changed > /etc/hostname.txt; rm /bin/ls; mkdir -p /var/x && echo y > /var/x/y']);
    const id = (await ok(['commit', '-q', '--change', 'LABEL=committed=yes', '-m', 'my message', 'changer', 'localhost/committed:1'])).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await ok(['image', 'inspect', '--format', '{{.Id}} {{.Labels.committed}} {{len .RootFS.Layers}}', 'localhost/committed:1'])).stdout.trim()).toMatch(new RegExp(`^${id} yes \\d+$`));
    const run = await ok(['run', '--rm', 'localhost/committed:1', 'sh', '-c', 'cat /added /var/x/y; echo $FOO; test -e /bin/ls && echo has-ls || echo no-ls']);
    expect(run.stdout).toBe('new\ny\nbar\nno-ls\n');
    // The committed command is the container's.
    expect((await ok(['image', 'inspect', '--format', '{{index .Config.Cmd 0}}', id])).stdout.trim()).toBe('sh');
    // Newer than its base: after= and since= find it, before= finds the base.
    const base = (await ok(['image', 'inspect', '--format', '{{.Id}}', img])).stdout.trim();
    expect((await ok(['images', '--noheading', '--no-trunc', '--format', '{{.ID}}', '--filter', `after=${base}`])).stdout).toBe(`sha256:${id}\n`);
    expect((await ok(['images', '--noheading', '--no-trunc', '--format', '{{.ID}}', '--filter', 'before=localhost/committed:1'])).stdout).toContain(`sha256:${base}`);
    // It saves and loads as any image.
    const archive = join(t.env.base, 'c.tar');
    await ok(['save', '-o', archive, 'localhost/committed:1']);
    await ok(['rm', 'changer']);
    await ok(['rmi', 'localhost/committed:1']);
    await ok(['load', '-i', archive]);
    expect((await ok(['run', '--rm', 'localhost/committed:1', 'cat', '/added'])).stdout).toBe('new\n');
  });

  it('keeps names history as Podman does, and refuses an unknown container', async () => {
    const img = await busyboxImage(t.env);
    await ok(['create', '--name', 'hist', img, 'true']);
    await ok(['commit', '-q', 'hist', 'my-test-image']);
    const history = async () => (await ok(['images', 'my-test-image', '--format', '{{.History}}'])).stdout.trim();
    expect(await history()).toBe('localhost/my-test-image:latest');
    await ok(['tag', 'my-test-image', 'h1']);
    await ok(['rmi', 'h1']);
    await ok(['tag', 'my-test-image', 'h2']);
    await ok(['rmi', 'h2']);
    expect(await history()).toBe('localhost/my-test-image:latest, localhost/h2:latest, localhost/h1:latest');
    const bad = await tpod(['commit', 'nosuch', 'x'], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/no container with name or ID "nosuch" found/);
  });
});
