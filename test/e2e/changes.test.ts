// diff, commit and mount end to end, as the unprivileged user.
import { it, expect, beforeAll } from 'vitest';
import { describeE2E, useEnv, tpod, tpodOk, tpodBin, busyboxImage, BUSYBOX_IMAGE } from './harness.js';

describeE2E('container changes: diff, commit, mount', () => {
  const t = useEnv('changes');

  beforeAll(async () => {
    await busyboxImage(t.env);
    await tpodOk(['run', '--name', 'd', '--network', 'none', '-e', 'FOO=bar', BUSYBOX_IMAGE, 'sh', '-c', 'touch /newfile; rm /etc/group; mkdir /data; echo x >/data/y'], { env: t.env });
  });

  it('diff lists what the container added, changed and deleted (A/C/D and json)', async () => {
    expect((await tpodOk(['diff', 'd'], { env: t.env })).stdout).toBe('A /data\nA /data/y\nC /etc\nD /etc/group\nA /newfile\n');
    expect(JSON.parse((await tpodOk(['diff', '--format', 'json', '-l'], { env: t.env })).stdout)).toEqual({ changed: ['/etc'], added: ['/data', '/data/y', '/newfile'], deleted: ['/etc/group'] });
    const missing = await tpod(['diff', 'nosuch'], { env: t.env });
    expect(missing.code).toBe(125);
  });

  it('an image with the same layer twice (commits that changed nothing) runs: the layer is mounted once', async () => {
    await tpodOk(['create', '--name', 'same1', '--network', 'none', BUSYBOX_IMAGE, 'true'], { env: t.env });
    await tpodOk(['commit', '-q', 'same1', 'localhost/same1'], { env: t.env });
    await tpodOk(['create', '--name', 'same2', '--network', 'none', 'localhost/same1', 'true'], { env: t.env });
    await tpodOk(['commit', '-q', 'same2', 'localhost/same2'], { env: t.env });
    const layers = JSON.parse((await tpodOk(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', 'localhost/same2'], { env: t.env })).stdout) as string[];
    expect(layers.length - new Set(layers).size).toBe(1);
    expect((await tpodOk(['run', '--rm', '--network', 'none', 'localhost/same2', 'echo', 'runs'], { env: t.env })).stdout).toBe('runs\n');
    await tpodOk(['rm', 'same1', 'same2'], { env: t.env });
  });

  it('commit makes an image of the changes (a whiteout hides the deleted file) with the container\'s env and --change', async () => {
    const id = (await tpodOk(['commit', '-q', '-c', 'CMD ["cat", "/data/y"]', '-m', 'a message', 'd', 'localhost/committed'], { env: t.env })).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await tpodOk(['run', '--rm', '--network', 'none', 'localhost/committed'], { env: t.env })).stdout).toBe('x\n');
    const r = await tpod(['run', '--rm', '--network', 'none', 'localhost/committed', 'sh', '-c', 'test -e /etc/group || echo gone; echo $FOO'], { env: t.env });
    expect(r.stdout).toBe('gone\nbar\n');
    expect((await tpodOk(['diff', 'localhost/committed'], { env: t.env })).stdout).toBe('A /data\nA /data/y\nC /etc\nD /etc/group\nA /newfile\n');
    const history = (await tpodOk(['history', '--format', '{{.Comment}}', 'localhost/committed'], { env: t.env })).stdout;
    expect(history.split('\n')[0]).toBe('a message');
    const squashed = await tpodOk(['commit', '--squash', 'd', 'localhost/squashed'], { env: t.env });
    expect(squashed.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    const [img] = JSON.parse((await tpodOk(['image', 'inspect', 'localhost/squashed'], { env: t.env })).stdout) as Array<{ RootFS: { Layers: string[] } }>;
    expect(img!.RootFS.Layers).toHaveLength(1);
    expect((await tpodOk(['run', '--rm', '--network', 'none', 'localhost/squashed', 'sh', '-c', 'cat /data/y; test -e /etc/group || echo gone'], { env: t.env })).stdout).toBe('x\ngone\n');
  });

  it('mount is refused outside tpod unshare and mounts the rootfs inside it; umount undoes it', async () => {
    const out = await tpod(['mount', 'd'], { env: t.env });
    expect([out.code, out.stderr]).toEqual([125, 'Error: cannot run command "tpod mount" in rootless mode, must execute `tpod unshare` first\n']);
    const bin = tpodBin();
    const r = await tpodOk(['unshare', 'sh', '-c', `p=$("${bin}" mount d) && cat "$p/data/y" && "${bin}" mount --notruncate | grep -c "$p" && "${bin}" umount d >/dev/null && ls "$p" | wc -l`], { env: t.env });
    expect(r.stdout).toBe('x\n1\n0\n');
  });
});
