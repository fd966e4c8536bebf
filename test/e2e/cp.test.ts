// tpod cp end to end, as the unprivileged user: running and stopped containers, volumes
// and tmpfs, tar streams both ways, Podman's placement rules and messages, and symlinks
// planted in the container that must never lead to the host.
import { it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, useEnv, tpod, tpodOk, busyboxImage, until, BUSYBOX_IMAGE } from './harness.js';

describeE2E('cp', () => {
  const t = useEnv('cp');
  let src: string;
  let hostSecret: string;

  beforeAll(async () => {
    await busyboxImage(t.env);
    src = join(t.env.base, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'f0'), 'hello\n');
    writeFileSync(join(src, 'sub', 's'), 'sub\n');
    hostSecret = join(t.env.base, 'host-secret');
    writeFileSync(hostSecret, 'HOST SECRET\n');
    await tpodOk(['run', '-d', '--name', 'c', '--network', 'none', '--workdir', '/home', '--mount', 'type=tmpfs,dst=/tmp', '-v', 'vol:/vol', BUSYBOX_IMAGE,
      'sh', '-c', `mkdir -p /home/subdir; ln -s / /escape; ln -s ${t.env.base} /escape-dir; sleep 600`], { env: t.env });
    // The container makes those itself, a moment after run -d returned.
    await until('the container to make /home/subdir and its symlinks', async () =>
      (await tpod(['exec', 'c', 'sh', '-c', 'test -d /home/subdir && test -L /escape && test -L /escape-dir'], { env: t.env })).code === 0);
  });

  const exec = async (...cmd: string[]): Promise<string> => (await tpodOk(['exec', 'c', ...cmd], { env: t.env })).stdout;

  it("places files as Podman does: into a directory, under a new name, relative to the workdir", async () => {
    const cases: Array<[string, string]> = [['/', '/f0'], ['/renamed', '/renamed'], ['/tmp', '/tmp/f0'], ['/tmp/.', '/tmp/f0'], ['.', '/home/f0'], ['subdir', '/home/subdir/f0'], ['new.txt', '/home/new.txt']];
    for (const [dest, full] of cases) {
      await tpodOk(['cp', join(src, 'f0'), `c:${dest}`], { env: t.env });
      expect(await exec('cat', full), `${dest} -> ${full}`).toBe('hello\n');
    }
    await tpodOk(['cp', src, 'c:/vol'], { env: t.env });
    expect(await exec('cat', '/vol/src/sub/s')).toBe('sub\n');
    await tpodOk(['cp', `${src}/.`, 'c:/vol'], { env: t.env });
    expect(await exec('cat', '/vol/sub/s')).toBe('sub\n');
    // The volume's own directory on the host has it too.
    expect(readFileSync(join(t.env.dataHome, 'tpod', 'volumes', 'vol', '_data', 'src', 'f0'), 'utf8')).toBe('hello\n');
  });

  it("says what is missing, in Podman's words", async () => {
    const miss = await tpod(['cp', join(src, 'nope'), 'c:/tmp'], { env: t.env });
    expect([miss.code, miss.stderr]).toEqual([125, `Error: "${join(src, 'nope')}" could not be found on the host\n`]);
    const parent = await tpod(['cp', join(src, 'f0'), 'c:/IdoNotExist/'], { env: t.env });
    expect(parent.stderr).toBe('Error: "/IdoNotExist/" could not be found on container c: no such file or directory\n');
    const glob = await tpod(['cp', 'c:/tmp/*', t.env.base], { env: t.env });
    expect(glob.stderr).toMatch(/^Error: "\/tmp\/\*" could not be found on container c/);
    const stdout = await tpod(['cp', 'c:/tmp/f0', '/dev/stdout'], { env: t.env });
    expect(stdout.stderr).toBe('Error: invalid destination: "/dev/stdout" must be a directory or a regular file\n');
  });

  it('copies out of a container, as files of the user, and as a tar stream to stdout', async () => {
    const out = join(t.env.base, 'out');
    mkdirSync(out);
    await tpodOk(['cp', 'c:/vol/src', out], { env: t.env });
    expect(readFileSync(join(out, 'src', 'sub', 's'), 'utf8')).toBe('sub\n');
    await tpodOk(['cp', 'c:/etc/passwd', join(out, 'pw')], { env: t.env });
    expect(readFileSync(join(out, 'pw'), 'utf8')).toMatch(/^root:x:0:0/);
    const r = spawnSync((await import('./harness.js')).tpodBin(), ['cp', 'c:/vol/src', '-'], { env: t.env.vars, maxBuffer: 1 << 24 });
    expect(r.status).toBe(0);
    const list = spawnSync('tar', ['-tf', '-'], { input: r.stdout, encoding: 'utf8' }).stdout.split('\n').filter((l) => l !== '').sort();
    expect(list).toEqual(['src/', 'src/f0', 'src/sub/', 'src/sub/s']);
  });

  it('copies a tar stream from stdin into a directory, and refuses other destinations and non-tar input', async () => {
    const tar = spawnSync('tar', ['-C', src, '-cf', '-', '.'], { maxBuffer: 1 << 24 }).stdout;
    await exec('mkdir', '-p', '/tmp/in');
    await tpodOk(['cp', '-', 'c:/tmp/in'], { env: t.env, input: tar });
    expect(await exec('cat', '/tmp/in/sub/s')).toBe('sub\n');
    const notDir = await tpod(['cp', '-', 'c:/tmp/f0'], { env: t.env, input: tar });
    expect(notDir.stderr).toBe('Error: destination must be a directory when copying from stdin\n');
    const notTar = await tpod(['cp', '-', 'c:/tmp'], { env: t.env, input: 'plain text, not an archive\n'.repeat(40) });
    expect(notTar.stderr).toBe('Error: source must be a (compressed) tar archive when copying from stdin\n');
  });

  it('-a gives copied files to the container user; --archive=false keeps the archive\'s owners', async () => {
    const tar = spawnSync('tar', ['--owner=1042', '--group=1043', '-C', src, '-cf', '-', 'f0'], { maxBuffer: 1 << 20 }).stdout;
    await tpodOk(['cp', '-a=false', '-', 'c:/home/subdir'], { env: t.env, input: tar });
    expect(await exec('stat', '-c', '%u:%g', '/home/subdir/f0')).toBe('1042:1043\n');
    await tpodOk(['run', '-d', '--name', 'user', '--network', 'none', '--user', '1000:1000', BUSYBOX_IMAGE, 'sleep', '600'], { env: t.env });
    await tpodOk(['cp', join(src, 'f0'), 'user:/tmp/owned'], { env: t.env });
    expect((await tpodOk(['exec', 'user', 'stat', '-c', '%u:%g', '/tmp/owned'], { env: t.env })).stdout).toBe('1000:1000\n');
    await tpodOk(['rm', '-f', '-t', '0', 'user'], { env: t.env });
  });

  it('a directory and a file replace each other only with --overwrite', async () => {
    await exec('sh', '-c', 'mkdir -p /tmp/ow/foo');
    const file = join(t.env.base, 'foo');
    writeFileSync(file, 'file\n');
    const r = await tpod(['cp', file, 'c:/tmp/ow'], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/error creating "\/tmp\/ow\/foo": .*file exists/);
    await tpodOk(['cp', '--overwrite', file, 'c:/tmp/ow'], { env: t.env });
    expect(await exec('cat', '/tmp/ow/foo')).toBe('file\n');
  });

  it('cp through a symlink planted in the container (/escape -> /): writes and reads stay inside the container', async () => {
    writeFileSync(join(t.env.base, 'planted-target'), 'untouched\n');
    // The symlink names a host directory, which inside the container does not exist.
    expect((await tpod(['cp', join(src, 'f0'), 'c:/escape-dir/planted-target'], { env: t.env })).code).toBe(125);
    expect(readFileSync(join(t.env.base, 'planted-target'), 'utf8')).toBe('untouched\n');
    await tpodOk(['cp', join(src, 'f0'), 'c:/escape/etc/x'], { env: t.env });
    expect(await exec('cat', '/etc/x')).toBe('hello\n');
    expect(existsSync('/etc/x')).toBe(false);
    const out = join(t.env.base, 'read-out');
    mkdirSync(out);
    const r = await tpod(['cp', `c:/escape-dir/${hostSecret.slice(t.env.base.length + 1)}`, out], { env: t.env });
    expect(r.code).toBe(125);
    expect(readdirSync(out)).toEqual([]);
    await tpodOk(['cp', 'c:/escape/etc/hostname', join(out, 'h')], { env: t.env });
    expect(readFileSync(join(out, 'h'), 'utf8')).toBe(await exec('cat', '/etc/hostname'));
  });

  it('a copy to a dangling symlink makes the file it names, inside the container; a directory never lands on a file', async () => {
    await exec('sh', '-c', 'mkdir -p /tmp/d1 /tmp/d2 && ln -sf /tmp/nonesuch1 /tmp/d1/x && ln -sf /tmp/nonesuch2 /tmp/d2/x');
    await tpodOk(['cp', join(src, 'f0'), 'c:/tmp/d1/x'], { env: t.env });
    expect(await exec('cat', '/tmp/nonesuch1')).toBe('hello\n');
    expect(await exec('readlink', '/tmp/d1/x')).toBe('/tmp/nonesuch1\n');
    const slash = await tpod(['cp', join(src, 'f0'), 'c:/tmp/d2/x/'], { env: t.env });
    expect([slash.code, slash.stderr]).toEqual([125, 'Error: "/tmp/d2/x/" could not be found on container c: no such file or directory\n']);
    expect((await tpod(['exec', 'c', 'test', '-e', '/tmp/nonesuch2'], { env: t.env })).code).toBe(1);
    // A dangling link to a host path names that path inside the container only.
    await exec('ln', '-sf', join(t.env.base, 'dangling-target'), '/tmp/d3');
    expect((await tpod(['cp', join(src, 'f0'), 'c:/tmp/d3'], { env: t.env })).code).toBe(125);
    expect(existsSync(join(t.env.base, 'dangling-target'))).toBe(false);
    const dirOnFile = await tpod(['cp', src, 'c:/etc/passwd'], { env: t.env });
    expect([dirOnFile.code, dirOnFile.stderr]).toEqual([125, 'Error: destination must be a directory when copying a directory\n']);
    const hostFile = join(t.env.base, 'a-file');
    writeFileSync(hostFile, 'x\n');
    const outOnFile = await tpod(['cp', 'c:/etc/', hostFile], { env: t.env });
    expect([outOnFile.code, outOnFile.stderr]).toEqual([125, 'Error: destination must be a directory when copying a directory\n']);
  });

  it('-L copies a host symlink as the file it points to, under the link\'s name', async () => {
    const links = join(t.env.base, 'links');
    mkdirSync(links);
    writeFileSync(join(links, 'real'), 'real content\n');
    symlinkSync('real', join(links, 'link'));
    await exec('mkdir', '-p', '/tmp/L');
    await tpodOk(['cp', '-L', join(links, 'link'), 'c:/tmp/L/'], { env: t.env });
    expect(await exec('sh', '-c', 'test -L /tmp/L/link || cat /tmp/L/link')).toBe('real content\n');
    await tpodOk(['cp', '--follow-link', join(links, 'link'), 'c:/tmp/L/named'], { env: t.env });
    expect(await exec('cat', '/tmp/L/named')).toBe('real content\n');
  });

  it('into a stopped container, a path under nested mounts lands in the innermost one and nothing is made in the outer', async () => {
    const bind = join(t.env.base, 'nested-bind');
    mkdirSync(bind);
    await tpodOk(['create', '--name', 'nested', '--network', 'none', '-v', 'outer:/tmp/volume', '-v', 'inner:/tmp/volume/sub-volume', '-v', `${bind}:/tmp/volume/bound`, BUSYBOX_IMAGE, 'true'], { env: t.env });
    await tpodOk(['cp', join(src, 'f0'), 'nested:/tmp/volume/sub-volume'], { env: t.env });
    await tpodOk(['cp', join(src, 'f0'), 'nested:/tmp/volume/bound/renamed'], { env: t.env });
    const vols = join(t.env.dataHome, 'tpod', 'volumes');
    expect(readFileSync(join(vols, 'inner', '_data', 'f0'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(bind, 'renamed'), 'utf8')).toBe('hello\n');
    expect(readdirSync(join(vols, 'outer', '_data'))).toEqual([]);
    const out = join(t.env.base, 'nested-out');
    await tpodOk(['cp', 'nested:/tmp/volume/sub-volume/f0', out], { env: t.env });
    expect(readFileSync(out, 'utf8')).toBe('hello\n');
    await tpodOk(['cp', src, 'nested:/tmp/volume/sub-volume'], { env: t.env });
    expect(readFileSync(join(vols, 'inner', '_data', 'src', 'sub', 's'), 'utf8')).toBe('sub\n');
    await tpodOk(['rm', 'nested'], { env: t.env });
  });

  it('copies into and out of a stopped container, its volumes included', async () => {
    await tpodOk(['create', '--name', 'stopped', '--network', 'none', '-v', 'svol:/data', '--mount', 'type=tmpfs,dst=/tmp', BUSYBOX_IMAGE, 'cat', '/data/f0', '/tmp/f0'], { env: t.env });
    // The volume's mount point does not exist in the image yet: it is made, as at start.
    await tpodOk(['cp', join(src, 'f0'), 'stopped:/data/'], { env: t.env });
    // A tmpfs starts with what the rootfs has there (tmpcopyup).
    await tpodOk(['cp', join(src, 'f0'), 'stopped:/tmp/'], { env: t.env });
    expect((await tpodOk(['start', '-a', 'stopped'], { env: t.env })).stdout).toBe('hello\nhello\n');
    const out = join(t.env.base, 'from-stopped');
    await tpodOk(['cp', 'stopped:/data/f0', out], { env: t.env });
    expect(readFileSync(out, 'utf8')).toBe('hello\n');
    await tpodOk(['cp', 'c:/home/f0', 'stopped:/etc/copied'], { env: t.env });
    await tpodOk(['cp', 'stopped:/etc/copied', `${out}2`], { env: t.env });
    expect(readFileSync(`${out}2`, 'utf8')).toBe('hello\n');
    await tpodOk(['rm', 'stopped'], { env: t.env });
  });
});
