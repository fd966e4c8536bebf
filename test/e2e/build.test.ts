// `tpod build`: Containerfiles built as the unprivileged user over the busybox image
// (imported from the rootfs tarball scripts/busybox-rootfs.sh makes). Context files and
// tarballs are written by the test itself and by GNU tar, never by tpod.
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage, pausePid } from './harness.js';

describeE2E('build', () => {
  const t = useEnv('build');
  const ok = (args: string[], input?: string | { extraEnv: NodeJS.ProcessEnv }) => tpodOk(args, { env: t.env, timeout: 240_000, ...(typeof input === 'string' ? { input } : input ?? {}) });
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
    expect(r.stdout).toMatch(/^built-step-output\n(.*\n)*COMMIT localhost\/built:1\n--> [0-9a-f]{11}$/m);
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

  it('builds the --target stage of a multi-stage build, with COPY --from by name and index and ARG substitution', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({
      'Containerfile': [
        `ARG BASE=${img}`,
        'ARG UNSET',
        'FROM $BASE AS builder',
        'ARG VERSION=1.0',
        'RUN mkdir -p /out && echo "v${VERSION}" > /out/version && echo "${UNSET:-fallback} ${VERSION:+set}" > /out/subst',
        'FROM ${BASE} AS tester',
        'RUN echo tester-ran > /tester',
        'FROM $BASE',
        'COPY --from=builder /out/version /final/',
        'COPY --from=0 /out /final/out',
        'RUN cat /final/version',
        '',
      ].join('\n'),
    });
    const r = await ok(['build', '--build-arg', 'VERSION=2.5', '-t', 'localhost/multi', dir]);
    // The stage the target does not need is not built.
    expect(r.stdout).not.toMatch(/tester-ran|STEP .*: FROM \$\{BASE\} AS tester/);
    expect(r.stdout).toMatch(/^\[1\/2\] STEP 1\/3: FROM \$BASE AS builder$/m);
    expect(r.stdout).toMatch(/^\[2\/2\] STEP 4\/4: RUN cat \/final\/version$/m);
    expect((await ok(['run', '--rm', 'localhost/multi', 'cat', '/final/version', '/final/out/version', '/final/out/subst'])).stdout).toBe('v2.5\nv2.5\nfallback set\n');
    // --target stops at the named stage.
    const tr = await ok(['build', '--target', 'builder', '-t', 'localhost/multi:builder', dir]);
    expect(tr.stdout).not.toMatch(/\[2\/2\]/);
    expect((await ok(['run', '--rm', 'localhost/multi:builder', 'sh', '-c', 'cat /out/version; test -e /final && echo has-final || echo no-final'])).stdout).toBe('v1.0\nno-final\n');
    const bad = await tpod(['build', '--target', 'nosuch', dir], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/nosuch/);
  });

  it('leaves out what .containerignore names, negations re-including files', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({
      'Containerfile': `FROM ${img}\nCOPY . /ctx/\nRUN find /ctx -type f | sort\n`,
      '.containerignore': '*.log\nsecret/\n!keep.log\nbuild/*\n!build/wanted\n',
      '.dockerignore': 'a.txt\n',
      'a.txt': 'a\n',
      'debug.log': 'no\n',
      'keep.log': 'yes\n',
      'secret/key': 'no\n',
      'build/wanted': 'yes\n',
      'build/unwanted': 'no\n',
    });
    const r = await ok(['build', '-t', 'localhost/ignored', dir]);
    expect((await ok(['run', '--rm', 'localhost/ignored', 'sh', '-c', 'cd /ctx && find . -type f | sort'])).stdout).toBe(
      ['./.containerignore', './.dockerignore', './Containerfile', './a.txt', './build/wanted', './keep.log', ''].join('\n'),
    );
    expect(r.stdout).not.toMatch(/secret/);
  });

  it('unpacks a local tarball made by GNU tar with ADD, keeping its owners, and copies a plain file as it is', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({ 'Containerfile': `FROM ${img}\nADD payload.tar.gz /opt/\nADD plain.txt /opt/plain.txt\n`, 'plain.txt': 'plain\n' });
    const src = mkdtempSync(join(t.env.base, 'tarsrc-'));
    mkdirSync(join(src, 'pkg', 'bin'), { recursive: true });
    writeFileSync(join(src, 'pkg', 'bin', 'tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
    writeFileSync(join(src, 'pkg', 'README'), 'readme\n');
    const tar = spawnSync('tar', ['-czf', join(dir, 'payload.tar.gz'), '--owner=1234', '--group=2345', '--numeric-owner', '-C', src, 'pkg'], { encoding: 'utf8' });
    expect(tar.status, tar.stderr).toBe(0);
    await ok(['build', '-t', 'localhost/added', dir]);
    expect((await ok(['run', '--rm', 'localhost/added', 'sh', '-c', '/opt/pkg/bin/tool; cat /opt/pkg/README /opt/plain.txt; stat -c %u:%g /opt/pkg/README; test -e /opt/payload.tar.gz && echo kept || echo unpacked'])).stdout).toBe('tool\nreadme\nplain\n1234:2345\nunpacked\n');
  });

  it('reuses every step when nothing changed, and rebuilds from a changed COPY source on; a deletion becomes a whiteout', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({
      'Containerfile': `FROM ${img}\nRUN echo first-run; echo x > /first\nCOPY data.txt /data.txt\nRUN cat /data.txt > /copied && rm /bin/ls\nENV DONE=1\n`,
      'data.txt': 'one\n',
    });
    const first = await ok(['build', '-t', 'localhost/cached', dir]);
    const id1 = first.stdout.trim().split('\n').pop()!;
    expect(first.stdout).not.toMatch(/Using cache/);
    const again = await ok(['build', '-t', 'localhost/cached', dir]);
    expect(again.stdout.match(/^--> Using cache [0-9a-f]{64}$/gm)?.length).toBe(4);
    expect(again.stdout).not.toMatch(/^first-run$/m);
    expect(again.stdout.trim().split('\n').pop()).toBe(id1);
    writeFileSync(join(dir, 'data.txt'), 'two\n');
    const changed = await ok(['build', '-t', 'localhost/cached', dir]);
    // The RUN before the COPY comes from the cache; the COPY and everything after run again.
    expect(changed.stdout.match(/Using cache/g)?.length).toBe(1);
    expect(changed.stdout).toMatch(/STEP 2\/5: RUN echo first-run; echo x > \/first\n--> Using cache/);
    expect((await ok(['run', '--rm', 'localhost/cached', 'sh', '-c', 'cat /copied; test -e /bin/ls && echo has-ls || echo no-ls'])).stdout).toBe('two\nno-ls\n');
    // --no-cache runs everything again.
    const nc = await ok(['build', '--no-cache', '-t', 'localhost/cached', dir]);
    expect(nc.stdout).not.toMatch(/Using cache/);
    expect(nc.stdout).toMatch(/^first-run$/m);
    // The deletion is an OCI whiteout in the RUN step's layer: saved as an archive, read by GNU tar.
    const archive = join(t.env.base, 'cached.tar');
    await ok(['save', '--format', 'oci-archive', '-o', archive, 'localhost/cached']);
    const out = mkdtempSync(join(t.env.base, 'oci-'));
    expect(spawnSync('tar', ['-xf', archive, '-C', out]).status).toBe(0);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const manifest = JSON.parse(readFileSync(join(out, 'blobs', 'sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: Array<{ digest: string }> };
    const listings = manifest.layers.map((l) => spawnSync('tar', ['-tzf', join(out, 'blobs', 'sha256', l.digest.slice(7))], { encoding: 'utf8' }).stdout);
    expect(listings.some((l) => /^bin\/\.wh\.ls$/m.test(l))).toBe(true);
  });

  it('--squash makes the new layers one over the base, --squash-all the whole image one layer, with buildah\'s history and no intermediate images left', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({
      'Containerfile': `FROM ${img}\nRUN echo a > /a && rm /bin/ls\nRUN echo b > /b && rm /a\nCOPY c.txt /c\nENV X=1\n`,
      'c.txt': 'c\n',
    });
    type Hist = Array<{ created_by?: string; empty_layer?: boolean }>;
    const layersOf = async (ref: string): Promise<string[]> => JSON.parse(await inspect(ref, '{{json .RootFS.Layers}}')) as string[];
    const historyOf = async (ref: string): Promise<Hist> => JSON.parse(await inspect(ref, '{{json .History}}')) as Hist;
    const baseLayers = await layersOf(img);
    const baseHistory = await historyOf(img);
    const before = (await ok(['images', '-a', '-q', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean);
    const sq = await ok(['build', '--squash', '-t', 'localhost/squashed', dir]);
    expect(sq.stdout).not.toMatch(/Using cache/);
    expect(sq.stdout).toMatch(/STEP 5\/5: ENV X=1\nCOMMIT localhost\/squashed\n--> [0-9a-f]{11}\nSuccessfully tagged localhost\/squashed:latest\n/);
    const layers = await layersOf('localhost/squashed');
    expect(layers.length).toBe(baseLayers.length + 1);
    expect(layers.slice(0, -1)).toEqual(baseLayers);
    const hist = await historyOf('localhost/squashed');
    expect(hist.length).toBe(baseHistory.length + 4);
    expect(hist.slice(baseHistory.length).map((h) => h.empty_layer === true)).toEqual([true, true, true, false]);
    expect(hist[baseHistory.length]!.created_by).toMatch(/echo a > \/a/);
    const check = "cat /b /c; test -e /a && echo has-a; test -e /bin/ls && echo has-ls; echo $X";
    expect((await ok(['run', '--rm', 'localhost/squashed', 'sh', '-c', check])).stdout).toBe('b\nc\n1\n');
    // Only the result is new: the steps' own images are gone.
    const after = (await ok(['images', '-a', '-q', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean);
    expect(after.filter((i) => !before.includes(i)).length).toBe(1);

    const all = await ok(['build', '--squash-all', '-t', 'localhost/squashed-all', dir]);
    const allId = all.stdout.trim().split('\n').pop()!;
    expect((await layersOf(allId)).length).toBe(1);
    const allHist = await historyOf(allId);
    expect(allHist.map((h) => h.empty_layer === true)).toEqual([true, true, true, false]);
    expect((await ok(['run', '--rm', 'localhost/squashed-all', 'sh', '-c', check])).stdout).toBe('b\nc\n1\n');
    // The one layer has no whiteouts: nothing lies below it.
    const archive = join(t.env.base, 'squashed-all.tar');
    await ok(['save', '--format', 'oci-archive', '-o', archive, 'localhost/squashed-all']);
    const out = mkdtempSync(join(t.env.base, 'oci-'));
    expect(spawnSync('tar', ['-xf', archive, '-C', out]).status).toBe(0);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const manifest = JSON.parse(readFileSync(join(out, 'blobs', 'sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: Array<{ digest: string }> };
    const listing = spawnSync('tar', ['-tzf', join(out, 'blobs', 'sha256', manifest.layers[0]!.digest.slice(7))], { encoding: 'utf8' }).stdout;
    expect(listing).toMatch(/^(\.\/)?bin\/sh$/m);
    expect(listing).not.toMatch(/\.wh\./);

    const both = await tpod(['build', '--squash', '--squash-all', dir], { env: t.env });
    expect(both.code).toBe(125);
    expect(both.stderr).toMatch(/^Error: cannot specify --squash-all with --squash$/m);
  });

  it('--timestamp sets every created time and every new file\'s mtime, so two builds without the cache make the same image', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({
      'Containerfile': `FROM ${img}\nRUN mkdir -p /out && echo x > /out/x && rm /bin/ls\nCOPY a.txt /out/\nENV X=1\n`,
      'a.txt': 'a\n',
    });
    const build = async (): Promise<string> => (await ok(['build', '--no-cache', '--timestamp', '0', '-t', 'localhost/stamped', dir])).stdout.trim().split('\n').pop()!;
    const id1 = await build();
    const id2 = await build();
    expect(id2).toBe(id1);
    expect(await inspect(id1, '{{.Created}}')).toMatch(/^1970-01-01[T ]00:00:00/);
    const hist = JSON.parse(await inspect(id1, '{{json .History}}')) as Array<{ created?: string; created_by?: string }>;
    expect(hist.slice(-3).map((h) => h.created)).toEqual(['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z']);
    expect((await ok(['run', '--rm', 'localhost/stamped', 'stat', '-c', '%Y', '/out/x', '/out/a.txt', '/out'])).stdout).toBe('0\n0\n0\n');
    // With --squash-all too.
    const sq1 = (await ok(['build', '--squash-all', '--timestamp', '86400', dir])).stdout.trim().split('\n').pop()!;
    const sq2 = (await ok(['build', '--squash-all', '--timestamp', '86400', dir])).stdout.trim().split('\n').pop()!;
    expect(sq2).toBe(sq1);
    const bad = await tpod(['build', '--timestamp', 'soon', dir], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/invalid argument "soon" for "--timestamp" flag/);
  });

  it('ADD of an http URL downloads the file as is (a tarball stays packed), with --chown, --chmod, --checksum and Last-Modified as its mtime', async () => {
    const img = await busyboxImage(t.env);
    const src = mkdtempSync(join(t.env.base, 'tarsrc-'));
    writeFileSync(join(src, 'inner.txt'), 'inner\n');
    const tgz = join(t.env.base, 'data.tar.gz');
    expect(spawnSync('tar', ['-czf', tgz, '-C', src, 'inner.txt']).status).toBe(0);
    const tarball = readFileSync(tgz);
    const plain = 'plain text\n';
    const plainSum = createHash('sha256').update(plain).digest('hex');
    const lastModified = 'Wed, 21 Oct 2015 07:28:00 GMT';
    const server: Server = createServer((req, res) => {
      if (req.url === '/data.tar.gz') {
        res.writeHead(200, { 'Last-Modified': lastModified, 'Content-Type': 'application/gzip' });
        res.end(tarball);
      } else if (req.url === '/plain.txt') res.end(plain);
      else if (req.url === '/moved') {
        res.writeHead(302, { Location: '/plain.txt' });
        res.end();
      } else {
        res.writeHead(404);
        res.end('no');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const dir = context({
        'Containerfile': [
          `FROM ${img}`,
          `ADD --chown=1000:1000 ${base}/data.tar.gz /dl/`,
          `ADD --chmod=755 ${base}/plain.txt /dl/renamed.txt`,
          `ADD --checksum=sha256:${plainSum} ${base}/moved /dl/moved`,
          '',
        ].join('\n'),
      });
      await ok(['build', '-t', 'localhost/added-url', dir]);
      const r = await ok(['run', '--rm', 'localhost/added-url', 'sh', '-c', 'cd /dl && ls && stat -c "%n %u:%g %a %Y" data.tar.gz renamed.txt moved && tar -tzf data.tar.gz && cat renamed.txt moved']);
      expect(r.stdout).toBe(`data.tar.gz\nmoved\nrenamed.txt\ndata.tar.gz 1000:1000 600 ${Date.parse(lastModified) / 1000}\nrenamed.txt 0:0 755 0\nmoved 0:0 600 0\ninner.txt\n${plain}${plain}`);
      // A wrong checksum, a 404 and COPY of a URL fail as buildah words them.
      const bad = await tpod(['build', context({ 'Containerfile': `FROM ${img}\nADD --checksum=sha256:${'0'.repeat(64)} ${base}/plain.txt /x\n` })], { env: t.env, timeout: 120_000 });
      expect(bad.code).toBe(125);
      expect(bad.stderr).toContain(`unexpected response digest for "${base}/plain.txt": sha256:${plainSum}, want sha256:${'0'.repeat(64)}`);
      const missing = await tpod(['build', context({ 'Containerfile': `FROM ${img}\nADD ${base}/nothing /x\n` })], { env: t.env, timeout: 120_000 });
      expect(missing.code).toBe(125);
      expect(missing.stderr).toMatch(/building at STEP "ADD .*\/nothing \/x": .*invalid response status 404/);
      const copy = await tpod(['build', context({ 'Containerfile': `FROM ${img}\nCOPY ${base}/plain.txt /x\n` })], { env: t.env, timeout: 120_000 });
      expect(copy.code).toBe(125);
      expect(copy.stderr).toMatch(/source can't be a URL for COPY/);
    } finally {
      server.close();
    }
  });

  it('hides the steps\' intermediate images from images (Podman\'s intermediate: untagged with a child); images -a shows them', async () => {
    const img = await busyboxImage(t.env);
    const ids = async (args: string[]): Promise<string[]> => (await ok(['images', '-q', '--no-trunc', ...args])).stdout.trim().split('\n').filter(Boolean).map((i) => i.replace(/^sha256:/, ''));
    const shown = await ids([]);
    const all = await ids(['-a']);
    const dir = context({ 'Containerfile': `FROM ${img}\nRUN echo one > /one\nENV STEP=2\nRUN echo three > /three\n` });
    const id = (await ok(['build', '-t', 'localhost/steps', dir])).stdout.trim().split('\n').pop()!;
    const shownAfter = await ids([]);
    const allAfter = await ids(['-a']);
    expect(shownAfter.filter((i) => !shown.includes(i))).toEqual([id]);
    const steps = allAfter.filter((i) => !all.includes(i) && i !== id);
    expect(steps.length).toBe(2);
    expect((await ids(['-a', '--filter', 'intermediate=true'])).filter((i) => steps.includes(i)).sort()).toEqual([...steps].sort());
    expect(await ids(['--filter', 'intermediate=true'])).toEqual([]);
    // An intermediate image is not dangling (libimage: untagged and without a child).
    expect((await ids(['-a', '--filter', 'dangling=true'])).filter((i) => steps.includes(i))).toEqual([]);
    // image prune keeps them while the image built from them is there (they are the cache)...
    await ok(['image', 'prune', '-f']);
    expect((await ids(['-a'])).filter((i) => steps.includes(i)).length).toBe(2);
    expect((await ok(['build', '-t', 'localhost/steps', dir])).stdout.match(/Using cache/g)?.length).toBe(3);
    // ...and once it is untagged, removes the whole chain, round after round, as Podman.
    await ok(['untag', 'localhost/steps']);
    await ok(['image', 'prune', '-f']);
    expect((await ids(['-a'])).filter((i) => steps.includes(i) || i === id)).toEqual([]);
  });

  it('reads a Containerfile from stdin, and fails a RUN with its exit code, naming the step, leaving no container', async () => {
    const img = await busyboxImage(t.env);
    const r = await ok(['build', '-t', 'localhost/stdin', '-'], `FROM ${img}\nRUN echo from-stdin\n`);
    expect(r.stdout).toMatch(/^from-stdin$/m);
    const dir = context({ 'Containerfile': `FROM ${img}\nRUN echo before\nRUN echo failing; exit 3\nRUN echo never\n` });
    const f = await tpod(['build', '-t', 'localhost/failing', dir], { env: t.env, timeout: 240_000 });
    expect(f.code).toBe(3);
    expect(f.stderr).toMatch(/building at STEP "RUN echo failing; exit 3": while running runtime: exit status 3/);
    expect(f.stdout).not.toMatch(/never/);
    expect((await ok(['ps', '-a', '--format', '{{.Names}}'])).stdout.trim()).toBe('');
    const same = await tpod(['build', '-f', '-', dir], { env: t.env, timeout: 240_000, input: `FROM ${img}\nRUN exit 7\n` });
    expect(same.code).toBe(7);
  });

  it('names a bad instruction with its line, exit 125 and no stack trace', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({ 'Containerfile': `FROM ${img}\nRUN true\nFROBNICATE now\n` });
    const r = await tpod(['build', dir], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^Error: Containerfile:3: unknown instruction: FROBNICATE$/m);
    expect(r.stderr).not.toMatch(/\s+at /);
    const missing = await tpod(['build', context({ 'Containerfile': 'FROM localhost/nosuch-image\n' }), '--pull=never'], { env: t.env });
    expect(missing.code).toBe(125);
  });
  it('COPY to ./ after a WORKDIR the image lacks makes the directory, as buildah does', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({ 'Containerfile': `FROM ${img}\nWORKDIR /app\nCOPY app.txt ./\n`, 'app.txt': 'hi\n' });
    await ok(['build', '-q', '-t', 'localhost/workdir-copy', dir]);
    expect((await ok(['run', '--rm', 'localhost/workdir-copy', 'cat', 'app.txt'])).stdout).toBe('hi\n');
  });

  // What a step's mounts leave in its image: the mount points must not be there.
  const absent = async (img: string, paths: string[]): Promise<string> =>
    (await ok(['run', '--rm', img, 'sh', '-c', paths.map((p) => `test -e ${p} && echo "has ${p}"`).join('; ') + '; true'])).stdout;

  it('RUN --mount=type=bind shows context and stage files, read-only by default, rw to a throw-away copy, and leaves nothing in the layer', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({
      'Containerfile': [
        `FROM ${img} AS src`,
        'RUN mkdir /stuff && echo from-stage > /stuff/f',
        `FROM ${img}`,
        'RUN --mount=type=bind,target=/ctx cat /ctx/a.txt && if touch /ctx/new 2>/dev/null; then echo writable; else echo read-only; fi',
        'RUN --mount=type=bind,source=sub,target=/sub,rw echo x > /sub/written && cat /sub/b.txt',
        'RUN --mount=type=bind,from=src,source=/stuff,target=/deep/s cat /deep/s/f',
        'RUN --mount=type=bind,source=a.txt,target=/file.txt cat /file.txt',
        'RUN --mount=type=cache,from=src,source=/stuff,target=/c cat /c/f && echo scribble > /c/f',
        'RUN --mount=type=bind,from=src,source=stuff/f,target=/one,rw cat /one',
        '',
      ].join('\n'),
      'a.txt': 'file a\n',
      'sub/b.txt': 'file b\n',
    });
    const r = await ok(['build', '-t', 'localhost/bindmount', dir]);
    expect(r.stdout).toMatch(/^file a\nread-only$/m);
    expect(r.stdout).toMatch(/^file b$/m);
    // The stage is seen three times as it was built: writes through the cache mount went nowhere.
    expect(r.stdout.match(/^from-stage$/gm)?.length).toBe(3);
    expect(r.stdout.match(/^file a$/gm)?.length).toBe(2);
    expect(existsSync(join(dir, 'sub', 'written'))).toBe(false);
    expect(existsSync(join(dir, 'new'))).toBe(false);
    expect(await absent('localhost/bindmount', ['/ctx', '/sub', '/deep', '/file.txt', '/stuff', '/c', '/one'])).toBe('');
    // The stage's files were mounted for the step only: unmounted and gone after it.
    expect(readdirSync(join(t.env.dataHome, 'tpod', 'tmp'))).toEqual([]);
    const pause = pausePid(t.env);
    expect(pause).toBeDefined();
    expect(readFileSync(`/proc/${pause}/mountinfo`, 'utf8')).not.toContain(join(t.env.dataHome, 'tpod', 'tmp'));
    // The bound file's content is part of the step's cache key.
    expect((await ok(['build', '-t', 'localhost/bindmount', dir])).stdout).not.toMatch(/^file a$/m);
    writeFileSync(join(dir, 'a.txt'), 'file a changed\n');
    expect((await ok(['build', '-t', 'localhost/bindmount', dir])).stdout).toMatch(/^file a changed$/m);
  });

  it('RUN --mount=type=cache keeps its files between builds, owned as asked, and out of the image', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({
      'Containerfile': [
        `FROM ${img}`,
        'ARG N',
        'RUN --mount=type=cache,target=/var/cache/app echo "run $N" >> /var/cache/app/log && cat /var/cache/app/log',
        'RUN --mount=type=cache,id=owned,target=/o,uid=1000,gid=1000,mode=0750,sharing=locked stat -c "owner %u:%g %a" /o',
        '',
      ].join('\n'),
    });
    const first = await ok(['build', '--build-arg', 'N=1', '-t', 'localhost/cachemount', dir]);
    expect(first.stdout).toMatch(/^run 1$/m);
    expect(first.stdout).toMatch(/^owner 1000:1000 750$/m);
    const second = await ok(['build', '--build-arg', 'N=2', '-t', 'localhost/cachemount', dir]);
    expect(second.stdout).toMatch(/^run 1\nrun 2$/m);
    expect(await absent('localhost/cachemount', ['/var/cache/app', '/o'])).toBe('');
    expect((await ok(['run', '--rm', 'localhost/cachemount', 'sh', '-c', 'ls -A /var/cache | wc -l'])).stdout.trim()).toBe('0');
  });

  it('RUN --mount=type=tmpfs is empty, sized as asked, and what is written there is gone', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({
      'Containerfile': [
        `FROM ${img}`,
        'RUN --mount=type=tmpfs,target=/scratch,size=1m ls -A /scratch | wc -l && grep " /scratch " /proc/mounts && echo x > /scratch/x',
        'RUN --mount=type=tmpfs,target=/tmp echo leak > /tmp/leak',
        '',
      ].join('\n'),
    });
    const r = await ok(['build', '-t', 'localhost/tmpfsmount', dir]);
    expect(r.stdout).toMatch(/^0\ntmpfs \/scratch tmpfs \S*size=1024k/m);
    expect(await absent('localhost/tmpfsmount', ['/scratch', '/tmp/leak'])).toBe('');
  });

  it('RUN --mount=type=secret reads --secret files and variables in the step only: not in the image, not in its history', async () => {
    const img = await busyboxImage(t.env);
    const secretFile = join(t.env.base, 'secret.txt');
    writeFileSync(secretFile, 'file-secret-value\n');
    const dir = context({
      'Containerfile': [
        `FROM ${img}`,
        'RUN --mount=type=secret,id=mysecret cat /run/secrets/mysecret && stat -c "mode %a" /run/secrets/mysecret',
        'RUN --mount=type=secret,id=envsecret,target=/s/e,mode=0444,uid=1000 cat /s/e && echo && stat -c "mode %a %u" /s/e',
        'RUN --mount=type=secret,id=mysecret,env=MYSECRET echo "env:$MYSECRET"',
        'RUN --mount=type=secret,id=nosuch cat /run/secrets/nosuch 2>/dev/null || echo not-given',
        '',
      ].join('\n'),
    });
    const r = await ok(['build', '--secret', `id=mysecret,src=${secretFile}`, '--secret', 'id=envsecret,env=TPOD_TEST_SECRET', '-t', 'localhost/secretmount', dir], { extraEnv: { TPOD_TEST_SECRET: 'env-secret-value' } });
    expect(r.stdout).toMatch(/^file-secret-value\nmode 400$/m);
    expect(r.stdout).toMatch(/^env-secret-value\nmode 444 1000$/m);
    expect(r.stdout).toMatch(/^env:file-secret-value$/m);
    expect(r.stdout).toMatch(/^not-given$/m);
    expect(await absent('localhost/secretmount', ['/run/secrets/mysecret', '/s'])).toBe('');
    const history = (await ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'localhost/secretmount'])).stdout;
    expect(history).toMatch(/--mount=type=secret,id=mysecret/);
    expect(history).not.toMatch(/secret-value/);
    expect(await inspect('localhost/secretmount', '{{json .Config.Env}}')).not.toMatch(/secret-value/);
    const archive = join(t.env.base, 'secretmount.tar');
    await ok(['save', '-o', archive, 'localhost/secretmount']);
    expect(spawnSync('sh', ['-c', `tar -xOf ${archive} | gzip -dcf | grep -c secret-value`], { encoding: 'utf8' }).stdout.trim()).toBe('0');
    // A required secret that was not given fails the step (125), as a missing --secret file does.
    const req = await tpod(['build', context({ 'Containerfile': `FROM ${img}\nRUN --mount=type=secret,id=nope,required true\n` })], { env: t.env, timeout: 240_000 });
    expect(req.code).toBe(125);
    expect(req.stderr).toMatch(/secret required but no secret with id "nope" found/);
    const missing = await tpod(['build', '--secret', 'id=x,src=/nonexistent/file', dir], { env: t.env });
    expect(missing.code).toBe(125);
    expect(missing.stderr).toMatch(/could not parse secrets: stat \/nonexistent\/file: no such file or directory/);
  });

  it('RUN --network=none has the loopback interface only; an unknown mode or mount type is refused', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({ 'Containerfile': `FROM ${img}\nRUN --network=none ls /sys/class/net\n` });
    const r = await ok(['build', '--network', 'host', dir]);
    expect(r.stdout).toMatch(/STEP 2\/2: RUN --network=none ls \/sys\/class\/net\nlo\n/);
    const bad = await tpod(['build', context({ 'Containerfile': `FROM ${img}\nRUN --network=bridge true\n` })], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/unsupported value "bridge" for "RUN --network", must be either "host" or "none"/);
    const badMount = await tpod(['build', context({ 'Containerfile': `FROM ${img}\nRUN --mount=type=volume,target=/x true\n` })], { env: t.env });
    expect(badMount.code).toBe(125);
    expect(badMount.stderr).toMatch(/invalid mount type "volume"/);
  });
  it('COPY and ADD take heredocs as files; RUN heredocs still run as scripts', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({
      'Containerfile': [
        `FROM ${img}`,
        'ARG WHO=world',
        'COPY <<EOF /greeting',
        'hello $WHO',
        'EOF',
        'COPY --chmod=755 <<"EOF" /usr/local/bin/tool',
        '#!/bin/sh',
        'echo "tool $1"',
        'EOF',
        'ADD <<robots.txt <<humans.txt /web/',
        '(robots content)',
        'robots.txt',
        '(humans content)',
        'humans.txt',
        'COPY a.txt <<EOF /mixed/',
        'from heredoc',
        'EOF',
        'RUN <<EOF',
        'echo "first line from heredoc"',
        'echo "second line" > /from-run',
        'EOF',
        'RUN cat <<EOF > /from-cat',
        'piped $WHO',
        'EOF',
        '',
      ].join('\n'),
      'a.txt': 'file a\n',
    });
    const r = await ok(['build', '-t', 'localhost/heredocs', dir]);
    expect(r.stdout).toMatch(/^first line from heredoc$/m);
    const out = await ok(['run', '--rm', 'localhost/heredocs', 'sh', '-c', 'cat /greeting; tool x; stat -c %a /usr/local/bin/tool /greeting; cat /web/robots.txt /web/humans.txt /mixed/a.txt /mixed/EOF /from-run /from-cat']);
    expect(out.stdout).toBe('hello world\ntool x\n755\n644\n(robots content)\n(humans content)\nfile a\nfrom heredoc\nsecond line\npiped world\n');
    // A changed heredoc body is a changed step.
    writeFileSync(join(dir, 'Containerfile'), readFileSync(join(dir, 'Containerfile'), 'utf8').replace('hello $WHO', 'bye $WHO'));
    await ok(['build', '-t', 'localhost/heredocs', dir]);
    expect((await ok(['run', '--rm', 'localhost/heredocs', 'cat', '/greeting'])).stdout).toBe('bye world\n');
  });

  it('says COMMIT with the name as -t gave it, after the last step\'s output and after a cache hit; --layers=0 and BUILDAH_LAYERS=false do not use the cache', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({ 'Containerfile': `FROM ${img}\nRUN echo last-step-output\n` });
    const first = await ok(['build', '-t', 'commit_name', dir]);
    expect(first.stdout).toMatch(/\nSTEP 2\/2: RUN echo last-step-output\nlast-step-output\nCOMMIT commit_name\n--> [0-9a-f]{11}\nSuccessfully tagged localhost\/commit_name:latest\n[0-9a-f]{64}\n$/);
    const cached = await ok(['build', '-t', 'commit_name', dir]);
    expect(cached.stdout).toMatch(/\n--> Using cache [0-9a-f]{64}\nCOMMIT commit_name\n--> [0-9a-f]{11}\n/);
    expect((await ok(['build', '-t', 'commit_name', '--layers=0', dir])).stdout).not.toMatch(/Using cache/);
    expect((await ok(['build', '-t', 'commit_name', dir], { extraEnv: { BUILDAH_LAYERS: 'false' } })).stdout).not.toMatch(/Using cache/);
    expect((await ok(['build', '-t', 'commit_name', '--layers=1', dir], { extraEnv: { BUILDAH_LAYERS: 'false' } })).stdout).toMatch(/Using cache/);
    expect((await ok(['build', dir])).stdout).toMatch(/\n--> Using cache [0-9a-f]{64}\n--> [0-9a-f]{11}\n/);
  });

  it('--logfile takes the build\'s output and the steps\' output; buildx build --load builds as build does', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({ 'Containerfile': `FROM ${img}\nRUN echo to-the-log; echo err-to-the-log >&2\n` });
    const log = join(t.env.base, 'build.log');
    const r = await ok(['build', '--no-cache', '-t', 'localhost/logged', '--logfile', log, dir]);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const text = readFileSync(log, 'utf8');
    expect(text).toMatch(/^STEP 1\/2: FROM /);
    expect(text).toMatch(/^to-the-log$/m);
    expect(text).toMatch(/^err-to-the-log$/m);
    expect(text).toMatch(/^COMMIT localhost\/logged$/m);
    expect((await ok(['buildx', 'build', '--load', '-t', 'localhost/loaded', dir])).stdout).toMatch(/^COMMIT localhost\/loaded$/m);
  });

  it('finds -f in the working directory, else in the context; joins several -f; without a context uses the Containerfile\'s directory', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({ 'Containerfile1': 'FROM scratch\ncopy . /tmp\n', 'data.txt': 'x\n' });
    const other = context({ 'Containerfile2': `FROM ${img}\n` });
    await ok(['build', '-t', 'localhost/ff', '-f', 'Containerfile1', dir]);
    const missing = await tpod(['build', '-t', 'localhost/ff', '-f', 'Containerfile2', dir], { env: t.env });
    expect(missing.code).toBe(125);
    expect(missing.stderr).toMatch(/Containerfile2: no such file or directory/);
    await ok(['build', '-t', 'localhost/ff', '-f', join(dir, 'Containerfile1')]);
    const both = await ok(['build', '-t', 'localhost/ff', '-f', join(dir, 'Containerfile1'), '-f', join(other, 'Containerfile2'), dir]);
    expect(both.stdout).toContain(`FROM ${img}`);
    const bogus = await tpod(['build', '--authfile', join(t.env.base, 'no-such-auth.json'), '-'], { env: t.env, input: 'FROM scratch\n' });
    expect(bogus.code).toBe(125);
    expect(bogus.stderr).toMatch(/no-such-auth\.json: no such file or directory/);
  });

  it('ADD unpacks .tar.xz and .tar.bz2 tarballs, and a changed tarball is not taken from the cache', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({ 'Containerfile': `FROM ${img}\nADD one.tar.xz /\nADD two.tar.bz2 /\n`, 'sub/a': 'original\n' });
    const pack = (flag: string, out: string): void => {
      const r = spawnSync('tar', ['-C', dir, flag, '-cf', join(dir, out), 'sub'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    };
    pack('-J', 'one.tar.xz');
    pack('-j', 'two.tar.bz2');
    await ok(['build', '-t', 'localhost/xz', dir]);
    expect((await ok(['run', '--rm', 'localhost/xz', 'cat', '/sub/a'])).stdout).toBe('original\n');
    writeFileSync(join(dir, 'sub', 'b'), 'new\n');
    pack('-J', 'one.tar.xz');
    const again = await ok(['build', '-t', 'localhost/xz', dir]);
    expect(again.stdout).not.toMatch(/STEP 2\/3: ADD one.tar.xz \/\n--> Using cache/);
    expect((await ok(['run', '--rm', 'localhost/xz', 'cat', '/sub/b'])).stdout).toBe('new\n');
  });

  it('--ignorefile: an ignored directory is looked into only for a ! pattern under it (buildah\'s rule); a bad --runtime-flag fails the step with 1', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({ 'Containerfile': `FROM ${img}\nCOPY ./ /n/\n`, 'subdir1/sub1': '', 'subdir1/sub2': '', 'subdir1/sub3': '', 'subdir2/sub1': '', 'test1': '', 'test2': '' });
    const ign = join(t.env.base, 'ignore-rules');
    writeFileSync(ign, '# comment\ntest*\n!test2*\nsubdir1\nsubdir2\n!*/sub1*\n!subdir1/sub3*\n');
    await ok(['build', '-t', 'localhost/ign', '--ignorefile', ign, dir]);
    expect((await ok(['run', '--rm', 'localhost/ign', 'sh', '-c', 'cd /n && find . -type f | sort'])).stdout).toBe('./Containerfile\n./subdir1/sub1\n./subdir1/sub3\n./test2\n');
    const bad = await tpod(['--runtime-flag', 'invalidflag', 'build', '-'], { env: t.env, input: `FROM ${img}\nRUN true\n`, timeout: 120_000 });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalidflag/);
  });

  it('COPY keeps hardlinked context files one file; --ulimit and --security-opt apply to RUN; rmi takes the untagged step images along', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({ 'Containerfile': `FROM ${img}\nCOPY . /test\nRUN grep Seccomp: /proc/self/status | tr -d ' \\t'; grep 'Max open files' /proc/self/limits | awk '{ print $4":"$5 }'\n` });
    mkdirSync(join(dir, 'sub'));
    spawnSync('ln', [join(dir, 'Containerfile'), join(dir, 'hardlink1')]);
    spawnSync('ln', [join(dir, 'Containerfile'), join(dir, 'sub', 'hardlink2')]);
    const r = await ok(['build', '-t', 'localhost/linked', '--ulimit', 'nofile=101:102', dir]);
    expect(r.stdout).toMatch(/^Seccomp:2\n101:102$/m);
    const inodes = (await ok(['run', '--rm', 'localhost/linked', 'stat', '-c', '%i', '/test/Containerfile', '/test/hardlink1', '/test/sub/hardlink2'])).stdout.trim().split('\n');
    expect(new Set(inodes).size).toBe(1);
    const unconfined = await ok(['build', '--no-cache', '-t', 'localhost/linked2', '--security-opt', 'seccomp=unconfined', dir]);
    expect(unconfined.stdout).toMatch(/^Seccomp:0$/m);
    const bad = await tpod(['build', '--ulimit', 'nofile=abc', dir], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/invalid ulimit argument: nofile=abc/);
    const before = (await ok(['images', '-a', '-q', '--no-trunc'])).stdout.trim().split('\n');
    const rm = await ok(['rmi', '-f', 'localhost/linked']);
    expect(rm.stdout).toMatch(/^Untagged: localhost\/linked:latest\nDeleted: [0-9a-f]{64}\nDeleted: [0-9a-f]{64}\n$/);
    const after = (await ok(['images', '-a', '-q', '--no-trunc'])).stdout.trim().split('\n');
    expect(before.length - after.length).toBe(2);
    await ok(['image', 'exists', img]);
  });

  it('--default-mounts-file gives RUN and run the directories it names, and the build leaves their files out of the image', async () => {
    const img = await busyboxImage(t.env);
    const secrets = mkdtempSync(join(t.env.base, 'secrets-'));
    writeFileSync(join(secrets, 'token'), 'shhh\n');
    const conf = join(t.env.base, 'mounts.conf');
    writeFileSync(conf, `# test\n${secrets}:/run/secrets\n/nonexistent-dir:/run/nothing\n`);
    const dir = context({ 'Containerfile': `FROM ${img}\nRUN cat /run/secrets/token\n` });
    const r = await ok([`--default-mounts-file=${conf}`, 'build', '-t', 'localhost/mounted', dir]);
    expect(r.stdout).toMatch(/^shhh$/m);
    expect((await ok(['run', '--rm', 'localhost/mounted', 'sh', '-c', 'test -e /run/secrets/token && echo has || echo none'])).stdout).toBe('none\n');
    expect((await ok(['--default-mounts-file', conf, 'run', '--rm', 'localhost/mounted', 'cat', '/run/secrets/token'])).stdout).toBe('shhh\n');
  });

  it('image tree lists a built image\'s layers bottom first with the images they top; --whatrequires the layers built on an image', async () => {
    const img = await busyboxImage(t.env);
    const dir = context({ 'Containerfile': `FROM ${img}\nRUN echo tree-a > /a\nRUN echo tree-b > /b\n` });
    const id = (await ok(['build', '-q', '-t', 'localhost/treed', dir])).stdout.trim().split('\n').pop()!;
    const lines = (await ok(['image', 'tree', 'localhost/treed'])).stdout.split('\n');
    expect(lines[0]).toBe(`Image ID: ${id.slice(0, 12)}`);
    expect(lines[1]).toBe('Tags:     [localhost/treed:latest]');
    expect(lines[2]).toMatch(/^Size: {5}[0-9.]+[kM]?B$/);
    expect(lines[3]).toBe('Image Layers');
    expect(lines.filter((l) => /Top Layer of: \[/.test(l) && l.includes(img)).length, lines.join('\n')).toBe(1);
    expect(lines[lines.length - 2]).toMatch(/^└── ID: [0-9a-f]{12} Size: +[0-9.]+[kM]?B Top Layer of: \[localhost\/treed:latest\]$/);
    const req = (await ok(['image', 'tree', '--whatrequires', img])).stdout.trim().split('\n');
    expect(req.some((l) => /ID: .* Top Layer of: \[localhost\/treed:latest\]$/.test(l))).toBe(true);
  });
});
