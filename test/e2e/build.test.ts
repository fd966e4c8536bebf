// `tpod build`: Containerfiles built as the unprivileged user over the busybox image
// (imported from the rootfs tarball scripts/busybox-rootfs.sh makes). Context files and
// tarballs are written by the test itself and by GNU tar, never by tpod.
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage } from './harness.js';

describeE2E('build', () => {
  const t = useEnv('build');
  const ok = (args: string[], input?: string) => tpodOk(args, { env: t.env, timeout: 240_000, ...(input !== undefined ? { input } : {}) });
  const context = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(t.env.base, 'ctx-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  };
  const inspect = async (img: string, fmt: string): Promise<string> => (await ok(['image', 'inspect', '--format', fmt, img])).stdout.trim();

  it('runs RUN, COPY and the config instructions, with Podman-like output, and the image runs', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({
      'Containerfile': [
        `FROM ${img}`,
        'ARG GREETING=hello',
        'ENV WHO=world PLACE="the lab"',
        'RUN echo "$GREETING $WHO" > /greeting && echo built-step-output',
        'COPY a.txt /data/',
        'COPY sub /data/sub',
        'WORKDIR /data',
        'LABEL org.example.kind=test "spaced key"="a value"',
        'EXPOSE 8080 53/udp',
        'USER 1000:1000',
        'VOLUME /vol',
        'STOPSIGNAL SIGTERM',
        'ENTRYPOINT ["/bin/sh", "-c"]',
        'CMD ["cat /greeting"]',
        '',
      ].join('\n'),
      'a.txt': 'file a\n',
      'sub/b.txt': 'file b\n',
    });
    const r = await ok(['build', '-t', 'localhost/built:1', '-t', 'built:2', dir]);
    expect(r.stdout).toMatch(/^STEP 1\/14: FROM localhost\/busybox:latest$/m);
    expect(r.stdout).toMatch(/^STEP 4\/14: RUN echo "\$GREETING \$WHO" > \/greeting && echo built-step-output$/m);
    expect(r.stdout).toMatch(/^built-step-output$/m);
    expect(r.stdout).toMatch(/^COMMIT localhost\/built:1$/m);
    expect(r.stdout).toMatch(/^Successfully tagged localhost\/built:1$/m);
    expect(r.stdout).toMatch(/^Successfully tagged localhost\/built:2$/m);
    const id = r.stdout.trim().split('\n').pop()!;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await inspect('localhost/built:2', '{{.Id}}')).toBe(id);
    expect(await inspect(id, '{{.Config.WorkingDir}} {{.Config.User}} {{.Config.StopSignal}} {{index .Config.Labels "org.example.kind"}} {{index .Config.Labels "spaced key"}}')).toBe('/data 1000:1000 SIGTERM test a value');
    const cfg = JSON.parse(await inspect(id, '{{json .Config}}')) as { Env: string[]; ExposedPorts: Record<string, object>; Volumes: Record<string, object>; Entrypoint: string[]; Cmd: string[] };
    expect(cfg.Env).toEqual(expect.arrayContaining(['WHO=world', 'PLACE=the lab']));
    expect(cfg.Env.some((e) => e.startsWith('GREETING='))).toBe(false);
    expect(Object.keys(cfg.ExposedPorts).sort()).toEqual(['53/udp', '8080/tcp']);
    expect(Object.keys(cfg.Volumes)).toEqual(['/vol']);
    expect(cfg.Entrypoint).toEqual(['/bin/sh', '-c']);
    expect(cfg.Cmd).toEqual(['cat /greeting']);
    expect((await ok(['run', '--rm', 'localhost/built:1'])).stdout).toBe('hello world\n');
    expect((await ok(['run', '--rm', '--user', '0', 'localhost/built:1', 'cat /data/a.txt /data/sub/b.txt; stat -c %u:%g /data/a.txt; pwd'])).stdout).toBe('file a\nfile b\n0:0\n/data\n');
    // -q prints the ID alone (everything cached now), --iidfile writes it.
    const iid = join(t.env.base, 'iid');
    const q = await ok(['build', '-q', '--iidfile', iid, '-t', 'localhost/built:1', dir]);
    expect(q.stdout).toBe(`${id}\n`);
    expect(readFileSync(iid, 'utf8')).toBe(`sha256:${id}`);
  });
});
