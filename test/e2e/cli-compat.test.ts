// Podman's command-line contract, as its own system tests check it: flag errors in
// pflag's words and exit codes, global flags anywhere, --force ignoring missing names,
// --noout, log levels, and the Go field names of info, version and inspect templates.
import { expect, it } from 'vitest';
import { createReadStream, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage } from './harness.js';

describeE2E('cli compatibility', () => {
  const t = useEnv('cli-compat');
  const ok = (args: string[]) => tpodOk(args, { env: t.env });

  it("refuses bad flags in pflag's words, with exit 125", async () => {
    const cases: Array<[string[], string]> = [
      [['kill', '-s'], "Error: flag needs an argument: 's' in -s\nSee 'tpod kill --help'\n"],
      [['ps', '--bogus'], "Error: unknown flag: --bogus\nSee 'tpod ps --help'\n"],
      [['--bogus', 'ps'], "Error: unknown flag: --bogus\nSee 'tpod --help'\n"],
      [['ps', '-aZ'], "Error: unknown shorthand flag: 'Z' in -Z\nSee 'tpod ps --help'\n"],
      [['ps', '--all=maybe'], 'Error: invalid argument "maybe" for "-a, --all" flag: strconv.ParseBool: parsing "maybe": invalid syntax\nSee \'tpod ps --help\'\n'],
      [['run', '-h'], "Error: flag needs an argument: 'h' in -h\nSee 'tpod run --help'\n"],
      [['ps', 'extra'], 'Error: `tpod ps` takes no arguments\n'],
      [['rename', 'a'], 'Error: accepts 2 arg(s), received 1\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = await tpod(args, { env: t.env });
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 125, stderr });
    }
  });

  it('takes a value flag\'s value even when it starts with "-", and --bool=false', async () => {
    const img = await busyboxImage(t.env);
    await ok(['run', '-d', '--name', 'sleeper', img, 'sleep', '300']);
    // -0 is the value of -s, not a flag: the signal is refused by name.
    const r = await tpod(['kill', '-s', '-0', 'sleeper'], { env: t.env });
    expect(r.stderr).toBe('Error: invalid signal: 0\n');
    expect(r.code).toBe(125);
    expect((await ok(['ps', '--all=false', '--noheading', '--format', '{{.Names}}'])).stdout).toBe('sleeper\n');
    await ok(['rm', '-f', '-t', '0', 'sleeper']);
  });

  it('accepts global flags after the command, and --noout silences results only', async () => {
    const root = (await ok(['info', '--format', '{{.Store.GraphRoot}}'])).stdout.trim();
    expect((await ok(['info', '--root', root, '--format', '{{.Store.GraphRoot}}'])).stdout.trim()).toBe(root);
    expect((await ok(['--noout', 'version'])).stdout).toBe('');
    const bad = await tpod(['--noout', 'inspect', 'nosuch'], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/^Error: /);
  });

  it("fails for an unknown log level as Podman does, and logs at Podman's levels", async () => {
    const bad = await tpod(['--log-level=telepathic', 'info'], { env: t.env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Log Level "telepathic" is not supported, choose from: trace, debug, /);
    const trace = await ok(['--log-level=trace', 'version']);
    expect(trace.stderr).toMatch(/ level=trace /);
    expect(trace.stderr).toMatch(/ level=debug /);
    expect(trace.stderr).toMatch(/ level=info /);
    expect((await ok(['--log-level=info', 'version'])).stderr).not.toMatch(/ level=(debug|trace) /);
    expect((await ok(['--log-level=warn', 'version'])).stderr).not.toMatch(/ level=/);
    expect((await ok(['--debug', 'version'])).stderr).toMatch(/ level=debug /);
    expect((await ok(['-D', 'version'])).stderr).toMatch(/ level=debug /);
    const both = await tpod(['--debug', '--log-level=panic', 'version'], { env: t.env });
    expect([both.code, both.stderr]).toEqual([1, 'Setting --log-level and --debug is not allowed\n']);
  });

  it('wait answers at once for a container that never ran, and after its start failed', async () => {
    const img = await busyboxImage(t.env);
    const id = (await ok(['create', img, '/no/such/command'])).stdout.trim();
    expect((await ok(['wait', id])).stdout).toBe('0\n');
    expect((await tpod(['start', id], { env: t.env })).code).toBe(125);
    expect((await tpod(['wait', id], { env: t.env })).code).toBe(0);
    await ok(['rm', id]);
  });

  it('ignores missing names with --force: rm, rmi, pod rm exit 0 silently', async () => {
    for (const args of [['rm', '--force', 'bogus'], ['rmi', '--force', 'bogus'], ['pod', 'rm', '--force', 'bogus']]) {
      const r = await tpod(args, { env: t.env });
      expect({ args, code: r.code, out: r.stdout + r.stderr }).toEqual({ args, code: 0, out: '' });
    }
    const r = await tpod(['rmi', 'bogus'], { env: t.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: bogus: image not known\n');
  });

  it("names template fields as Podman's Go structs do: info, version, inspect", async () => {
    const img = await busyboxImage(t.env);
    const info = await ok(['info', '--format', '{{.Host.OCIRuntime.Name}} {{.Host.Distribution.Distribution}} {{.Host.CgroupsVersion}} {{.Host.LogDriver}} {{.Host.EventLogger}} {{.Store.GraphOptions}}']);
    expect(info.stdout).toMatch(/^(crun|runc) \S+ v[12] k8s-file file map\[\]\n$/);
    const client = (await ok(['version', '--format', '{{.Client.Version}}'])).stdout.trim();
    // Without a server, .Server reads the client, as in Podman.
    expect((await ok(['version', '--format', '{{.Server.Version}}-{{.Server.Built}}'])).stdout).toMatch(new RegExp(`^${client.replace(/\./g, '\\.')}-\\d+\n$`));
    const id = (await ok(['image', 'inspect', '--format', '{{.Id}}', img])).stdout;
    expect((await ok(['inspect', '--format', '{{.ID}}', img])).stdout).toBe(id);
    const full = await ok(['version']);
    expect(full.stdout).toMatch(/^Go Version: +node v\d+/m);
    expect(full.stdout).toMatch(/^Built: +\S+/m);
  });

  it('start --all starts what is not running (printing IDs), --filter picks; ps --filter status= looks at every container', async () => {
    const img = await busyboxImage(t.env);
    await ok(['rm', '-a', '-f', '-t', '0']);
    const up = (await ok(['run', '-d', '--restart=always', img, 'sleep', '300'])).stdout.trim();
    const zero = (await ok(['run', '-d', img, 'true'])).stdout.trim();
    const one = (await ok(['run', '-d', '--restart=no', img, 'false'])).stdout.trim();
    await tpod(['wait', zero, one], { env: t.env });
    expect((await ok(['ps', '--filter', 'status=exited', '--format', '{{.ID}}', '--no-trunc', '--sort', 'created'])).stdout).toBe(`${zero}\n${one}\n`);
    const both = (await ok(['start', '--all'])).stdout.trim().split('\n').sort();
    expect(both).toEqual([zero, one].sort());
    await tpod(['wait', zero, one], { env: t.env });
    expect((await ok(['start', '--all', '--filter', 'exited=0'])).stdout).toBe(`${zero}\n`);
    await tpod(['wait', zero], { env: t.env });
    expect((await ok(['start', '--filter', 'restart-policy=always', zero])).stdout).toBe('');
    expect((await ok(['start', '--filter', 'restart-policy=none', zero])).stdout).toBe(`${zero}\n`);
    expect((await ok(['start', '--filter', 'restart-policy=no', one])).stdout).toBe(`${one}\n`);
    const bad = await tpod(['start', '--filter', 'restart-policy=fakepolicy', zero], { env: t.env });
    expect([bad.code, bad.stderr]).toEqual([125, 'Error: fakepolicy invalid restart policy\n']);
    const both2 = await tpod(['start', '--all', zero], { env: t.env });
    expect([both2.code, both2.stderr]).toEqual([125, 'Error: either start all containers or the container(s) provided in the arguments\n']);
    await ok(['rm', '-f', '-t', '0', up, zero, one]);
  });

  it('rm refuses a container another joined (--network container:) without --depend; rm --depend of an infra removes its pod', async () => {
    const img = await busyboxImage(t.env);
    const owner = (await ok(['create', img, 'true'])).stdout.trim();
    const joiner = (await ok(['create', '--net', `container:${owner}`, img, 'true'])).stdout.trim();
    const r = await tpod(['rm', owner], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(new RegExp(`^Error: container ${owner} has dependent containers which must be removed before it: ${joiner}`));
    expect((await ok(['rm', '--depend', owner])).stdout.trim().split('\n').sort()).toEqual([joiner, owner].sort());
    const member = (await ok(['create', '--pod', 'new:deppod', img, 'true'])).stdout.trim();
    const infra = (await ok(['pod', 'inspect', '--format', '{{.InfraContainerID}}', 'deppod'])).stdout.trim();
    const refused = await tpod(['rm', infra], { env: t.env });
    expect(refused.stderr).toMatch(/and cannot be removed without removing the pod/);
    expect((await ok(['rm', '--depend', infra])).stdout.trim().split('\n').sort()).toEqual([infra, member].sort());
    expect((await tpod(['pod', 'exists', 'deppod'], { env: t.env })).code).toBe(1);
    // pod rm without --force: a running infra goes with its pod (only members must have stopped).
    const pod = (await ok(['pod', 'create', '--name', 'onlyinfra'])).stdout.trim();
    await ok(['pod', 'start', 'onlyinfra']).catch(() => undefined);
    await ok(['run', '--rm', '--pod', 'onlyinfra', img, 'true']);
    expect((await ok(['pod', 'rm', 'onlyinfra'])).stdout.trim()).toBe(pod);
  });

  it('loads an archive from a URL; refuses what is no image archive in Podman\'s words', async () => {
    const img = await busyboxImage(t.env);
    const archive = join(t.env.base, 'img.tar');
    await ok(['save', '-o', archive, img]);
    const server = createServer((_req, res) => createReadStream(archive).pipe(res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      expect((await ok(['load', '-i', `http://127.0.0.1:${port}/image.tar`])).stdout).toBe(`Loaded image: ${img}\n`);
    } finally {
      server.close();
    }
    const junk = join(t.env.base, 'invalid');
    writeFileSync(junk, 'I am an invalid file\n');
    for (const r of [await tpod(['load', '-i', junk], { env: t.env }), await tpod(['load'], { env: t.env, input: 'Danger!! corrupt tarball\n' })]) {
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/^Error: payload does not match any of the supported image formats:/);
    }
  });

  it('generate systemd: --template rules, bare --env names, Podman\'s restart policy warning; auto-update labels checked at create; info -f ""', async () => {
    const img = await busyboxImage(t.env);
    await ok(['create', '--name', 'tmpl', img, 'top']);
    const unit = await tpodOk(['generate', 'systemd', '--template', '-n', '-e', 'MYVAR', '-e', 'UNSETVAR', 'tmpl'], { env: t.env, extraEnv: { MYVAR: 'hello' } });
    expect(unit.stdout).toMatch(/--name=tmpl-%i/);
    expect(unit.stdout).toMatch(/^Environment=MYVAR=hello$/m);
    expect(unit.stdout).not.toContain('UNSETVAR');
    const noNew = await tpod(['generate', 'systemd', '--template', '--new=false', 'tmpl'], { env: t.env });
    expect([noNew.code, noNew.stderr]).toEqual([125, 'Error: --template cannot be set with --new=false\n']);
    await ok(['pod', 'create', '--name', 'tmplpod']);
    const pod = await tpod(['generate', 'systemd', '--template', 'tmplpod'], { env: t.env });
    expect(pod.stderr).toMatch(/--template is not supported for pods/);
    await ok(['pod', 'rm', 'tmplpod']);
    const cid = (await ok(['create', '--restart=always', img, 'true'])).stdout.trim();
    expect((await ok(['generate', 'systemd', cid])).stderr).toMatch(new RegExp(`Container ${cid} has restart policy .*always.* which can lead to issues on shutdown`));
    await ok(['rm', cid, 'tmpl']);
    await ok(['tag', img, 'shortname:latest']);
    const short = await tpod(['create', '--label', 'io.containers.autoupdate=registry', 'shortname:latest'], { env: t.env });
    expect([short.code, short.stderr]).toEqual([125, 'Error: short name: auto updates require fully-qualified image reference: "shortname:latest"\n']);
    await ok(['rmi', 'shortname:latest']);
    expect((await ok(['--log-level', 'warning', 'info', '-f', ''])).stdout).toBe('');
  });
});
