// Pods end to end, as the unprivileged user with the real binary: pod create (offline,
// from the local infra image), members sharing the infra's network, IPC, UTS (and PID on
// request), a published port served by one member and reached by another over
// 127.0.0.1 and by the host, pod stop/start/restart/kill/rm, --pod new:, the id and pid
// files generate systemd uses, and the refusals that must leave nothing behind.
import { expect, it, beforeAll } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage, monitorsOf, until, freePort, httpBody } from './harness.js';

const HEX64 = /^[0-9a-f]{64}$/;

describeE2E('pods', () => {
  const t = useEnv('pod');
  let img: string;
  let www: string;
  let webPod = '';
  let webPort = 0;
  const run = (args: string[]) => tpod(args, { env: t.env });
  const ok = (args: string[]) => tpodOk(args, { env: t.env });
  const out = async (args: string[]) => (await ok(args)).stdout.trim();
  const state = async (name: string) => out(['inspect', '--format', '{{.State.Status}}', name]);
  const names = async () => (await out(['ps', '-a', '--format', '{{.Names}}'])).split('\n').filter((n) => n !== '').sort();

  beforeAll(async () => {
    img = await busyboxImage(t.env);
    www = join(t.env.base, 'www');
    mkdirSync(www);
    chmodSync(www, 0o755);
    writeFileSync(join(www, 'index.html'), 'hello from the pod\n');
    chmodSync(join(www, 'index.html'), 0o644);
  });

  it('pod create works offline: the infra image is built locally from the pause program', async () => {
    // No registry is configured in this env: nothing can be pulled.
    const id = await out(['pod', 'create', '--name', 'first']);
    expect(id).toMatch(HEX64);
    const images = await out(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(images).toMatch(/^localhost\/podman-pause:\S+-\d+$/m);
    const infra = await out(['inspect', '--format', '{{.Name}} {{.State.Status}}', `${id.slice(0, 12)}-infra`]);
    expect(infra).toBe(`${id.slice(0, 12)}-infra created`);
    // The infra starts and stops on its own: the pause program exits on SIGTERM.
    expect(await out(['pod', 'start', 'first'])).toBe(id);
    expect(await state(`${id.slice(0, 12)}-infra`)).toBe('running');
    const stop = await ok(['pod', 'stop', 'first']);
    expect(stop.stdout.trim()).toBe(id);
    // SIGTERM did it (exit 0), not the SIGKILL after the stop timeout (137, and a warning).
    expect(stop.stderr).toBe('');
    expect(await out(['inspect', '--format', '{{.State.ExitCode}}', `${id.slice(0, 12)}-infra`])).toBe('0');
    expect(await out(['pod', 'rm', 'first'])).toBe(id);
    expect(await names()).toEqual([]);
  });

  it('a published port served by one member, reached by another over 127.0.0.1 and by the host; hostname and IPC shared', async () => {
    const port = await freePort();
    const pod = await out(['pod', 'create', '--name', 'web', '-p', `127.0.0.1:${port}:80`, '--hostname', 'webhost']);
    webPod = pod;
    webPort = port;
    await ok(['run', '-d', '--pod', 'web', '--name', 'srv', '--stop-timeout', '1', '-v', `${www}:/www:ro`, img, 'httpd', '-f', '-p', '80', '-h', '/www']);
    expect(await state(`${pod.slice(0, 12)}-infra`)).toBe('running');
    const body = await until('the member answering over 127.0.0.1', async () => {
      const r = await run(['run', '--rm', '--pod', 'web', img, 'wget', '-qO-', 'http://127.0.0.1:80/index.html']);
      return r.code === 0 ? r.stdout : undefined;
    });
    expect(body).toBe('hello from the pod\n');
    expect(await until('the host reaching the pod port', () => httpBody(`http://127.0.0.1:${port}/index.html`))).toBe('hello from the pod\n');
    // UTS: the pod's hostname, for every member.
    expect(await out(['run', '--rm', '--pod', 'web', img, 'hostname'])).toBe('webhost');
    expect(await out(['exec', 'srv', 'hostname'])).toBe('webhost');
    // IPC and network: the same namespaces as the serving member; not the host's and not another container's.
    const ns = 'for n in ipc net uts; do readlink /proc/self/ns/$n; done';
    const inPod = await out(['run', '--rm', '--pod', 'web', img, 'sh', '-c', ns]);
    expect(await out(['exec', 'srv', 'sh', '-c', ns])).toBe(inPod);
    const outside = await out(['run', '--rm', '--network', 'none', img, 'sh', '-c', ns]);
    expect(outside.split('\n')[0]).not.toBe(inPod.split('\n')[0]);
    // The members share the infra's /etc/hosts, which names the pod and each member
    // (at the pod's address), so members reach each other by name; a removed member leaves it.
    expect(await out(['run', '--rm', '--pod', 'web', img, 'cat', '/etc/hosts'])).toMatch(/\bwebhost\b/);
    expect(await out(['run', '--rm', '--pod', 'web', img, 'wget', '-qO-', 'http://srv:80/index.html'])).toBe('hello from the pod');
    await ok(['create', '--pod', 'web', '--name', 'brief', img, 'true']);
    expect(await out(['exec', 'srv', 'cat', '/etc/hosts'])).toMatch(/^\S+\tbrief$/m);
    await ok(['rm', 'brief']);
    expect(await out(['exec', 'srv', 'cat', '/etc/hosts'])).not.toMatch(/\bbrief\b/);
  });

  it('pod stop / start / restart / kill / rm act on the whole pod', async () => {
    const pod = webPod;
    const infra = `${pod.slice(0, 12)}-infra`;
    expect(await out(['pod', 'stop', '-t', '0', 'web'])).toBe(pod);
    expect([await state('srv'), await state(infra)]).toEqual(['exited', 'exited']);
    expect(await out(['pod', 'start', 'web'])).toBe(pod);
    expect([await state('srv'), await state(infra)]).toEqual(['running', 'running']);
    expect(await until('the pod serving again', () => httpBody(`http://127.0.0.1:${webPort}/index.html`))).toBe('hello from the pod\n');
    expect(await out(['pod', 'restart', 'web'])).toBe(pod);
    expect(await state('srv')).toBe('running');
    expect(await out(['pod', 'kill', 'web'])).toBe(pod);
    await until('the killed pod to end', async () => (await state('srv')) === 'exited' && (await state(infra)) === 'exited');
    await ok(['pod', 'start', 'web']);
    // Running: refused without --force, and nothing of it is removed.
    const refused = await run(['pod', 'rm', 'web']);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toContain('running or paused containers cannot be removed without force');
    expect(await names()).toEqual(['srv', infra].sort());
    // The infra alone cannot go while its pod exists.
    const rmInfra = await run(['rm', '-f', infra]);
    expect(rmInfra.code).toBe(125);
    expect(rmInfra.stderr).toContain(`is the infra container of pod ${pod} and cannot be removed without removing the pod`);
    expect(await out(['pod', 'rm', '-f', '-t', '0', 'web'])).toBe(pod);
    expect(await names()).toEqual([]);
    expect((await run(['pod', 'exists', 'web'])).code).toBe(1);
  });

  it('a member exiting does not stop the others; --exit-policy stop stops the pod after the last one', async () => {
    await ok(['pod', 'create', '--name', 'keep']);
    await ok(['run', '-d', '--pod', 'keep', '--name', 'long', img, 'sleep', '1000']);
    await ok(['run', '-d', '--pod', 'keep', '--name', 'short', img, 'true']);
    const short = await out(['inspect', '--format', '{{.Id}}', 'short']);
    await until('the short member to exit', async () => (await state('short')) === 'exited');
    // Its exit command is where a pod exit policy would act: once it is done, the pod is as it stays.
    await until('its clean-up to end', () => monitorsOf(t.env, short).length === 0);
    expect(await state('long')).toBe('running');
    await ok(['pod', 'rm', '-f', '-t', '0', 'keep']);

    const id = await out(['pod', 'create', '--name', 'once', '--exit-policy', 'stop']);
    await ok(['run', '-d', '--pod', 'once', '--name', 'job', img, 'sleep', '0.3']);
    await until('the pod to stop after its last member', async () => (await state(`${id.slice(0, 12)}-infra`)) === 'exited', 60_000);
    await ok(['pod', 'rm', 'once']);

    // An attached `run --rm` has no monitor clean-up: the run applies the policy itself.
    const att = await out(['pod', 'create', '--name', 'attached', '--exit-policy', 'stop']);
    await ok(['run', '--rm', '--pod', 'attached', img, 'true']);
    expect(await state(`${att.slice(0, 12)}-infra`)).toBe('exited');
    await ok(['pod', 'rm', 'attached']);
  });

  it('--share +pid: members see the infra as PID 1 and each other', async () => {
    await ok(['pod', 'create', '--name', 'pids', '--share', '+pid']);
    await ok(['run', '-d', '--pod', 'pids', '--name', 'sleeper', img, 'sleep', '1000']);
    const ps = await out(['run', '--rm', '--pod', 'pids', img, 'ps', '-o', 'pid,args']);
    expect(ps).toMatch(/^\s*1\s+\/pause$/m);
    expect(ps).toMatch(/sleep 1000/);
    await ok(['pod', 'rm', '-f', '-t', '0', 'pids']);
  });

  it('create --pod joins at start: the infra starts first', async () => {
    const id = await out(['pod', 'create', '--name', 'later', '--hostname', 'lh']);
    await ok(['create', '--pod', 'later', '--name', 'c1', img, 'sleep', '1000']);
    expect(await state(`${id.slice(0, 12)}-infra`)).toBe('created');
    await ok(['start', 'c1']);
    expect(await state(`${id.slice(0, 12)}-infra`)).toBe('running');
    expect(await out(['exec', 'c1', 'hostname'])).toBe('lh');
    // A second start of the infra (after a pod stop) gives it a new pid: the member follows.
    await ok(['pod', 'stop', '-t', '0', 'later']);
    await ok(['pod', 'start', 'later']);
    expect(await out(['exec', 'c1', 'hostname'])).toBe('lh');
    await ok(['pod', 'rm', '-f', '-t', '0', 'later']);
  });

  it('--pod new:NAME makes the pod with the container\'s ports; a failed create takes it away again', async () => {
    const port = await freePort();
    await ok(['run', '-d', '--pod', 'new:fresh', '--name', 'fsrv', '-p', `127.0.0.1:${port}:80`, '-v', `${www}:/www:ro`, img, 'httpd', '-f', '-p', '80', '-h', '/www']);
    expect(await until('the new pod serving', () => httpBody(`http://127.0.0.1:${port}/index.html`))).toBe('hello from the pod\n');
    expect(await out(['run', '--rm', '--pod', 'fresh', img, 'hostname'])).toBe('fresh');
    await ok(['pod', 'rm', '-f', '-t', '0', 'fresh']);
    const bad = await run(['run', '--rm', '--pod', 'new:doomed', 'localhost/no-such-image:latest', 'true']);
    expect(bad.code).toBe(125);
    expect((await run(['pod', 'exists', 'doomed'])).code).toBe(1);
    expect(await names()).toEqual([]);
  });

  it('the id and pid files of generate systemd: --pod-id-file, --infra-conmon-pidfile, --replace, --ignore', async () => {
    const idFile = join(t.env.base, 'sd.pod-id');
    const pidFile = join(t.env.base, 'sd.infra.pid');
    const id = await out(['pod', 'create', '--name', 'sd', '--pod-id-file', idFile, '--infra-conmon-pidfile', pidFile, '--exit-policy', 'stop']);
    expect(readFileSync(idFile, 'utf8').trim()).toBe(id);
    const again = await run(['pod', 'create', '--name', 'other', '--pod-id-file', idFile]);
    expect(again.code).toBe(125);
    expect(again.stderr).toContain(`pod id file exists. Ensure another pod is not using it or delete ${idFile}`);
    expect((await run(['pod', 'exists', 'other'])).code).toBe(1);
    expect(await out(['pod', 'start', '--pod-id-file', idFile])).toBe(id);
    const monitor = Number(readFileSync(pidFile, 'utf8').trim());
    expect(existsSync(`/proc/${monitor}`)).toBe(true);
    await ok(['run', '-d', '--pod-id-file', idFile, '--name', 'sdm', img, 'sleep', '1000']);
    expect(await out(['pod', 'stop', '--ignore', '--pod-id-file', idFile, '-t', '0'])).toBe(id);
    const replaced = await out(['pod', 'create', '--replace', '--name', 'sd']);
    expect(replaced).not.toBe(id);
    expect(await names()).toEqual([`${replaced.slice(0, 12)}-infra`]);
    expect(await out(['pod', 'rm', '--ignore', '-f', '--pod-id-file', join(t.env.base, 'missing.pod-id')])).toBe('');
    expect(await out(['pod', 'stop', '--ignore', 'nope'])).toBe('');
    await ok(['pod', 'rm', '-f', 'sd']);
  });

  it('bad input: clear errors, nothing half-created', async () => {
    const before = await names();
    const unknown = await run(['run', '--rm', '--pod', 'nope', img, 'true']);
    expect([unknown.code, unknown.stderr]).toEqual([125, 'Error: no pod with name or ID nope found: no such pod\n']);
    const startUnknown = await run(['pod', 'start', 'nope']);
    expect([startUnknown.code, startUnknown.stderr]).toEqual([125, 'Error: no pod with name or ID nope found: no such pod\n']);
    const rmUnknown = await run(['pod', 'rm', 'nope']);
    expect([rmUnknown.code, rmUnknown.stderr]).toEqual([1, 'Error: no pod with name or ID nope found: no such pod\n']);

    await ok(['pod', 'create', '--name', 'dup']);
    const dup = await run(['pod', 'create', '--name', 'dup']);
    expect([dup.code, dup.stderr]).toEqual([125, 'Error: adding pod to state: name "dup" is in use: pod already exists\n']);

    const share = await run(['pod', 'create', '--name', 'badshare', '--share', 'ipc,bogus']);
    expect([share.code, share.stderr]).toEqual([125, 'Error: invalid kernel namespace to share: bogus. Options are: cgroup, ipc, net, pid, uts or none\n']);
    const noInfra = await run(['pod', 'create', '--name', 'noinfra', '--infra=false', '-p', '8080:80']);
    expect([noInfra.code, noInfra.stderr]).toEqual([125, 'Error: you must have an infra container to publish port bindings to the host\n']);
    const memberPort = await run(['create', '--pod', 'dup', '-p', '8080:80', img, 'true']);
    expect([memberPort.code, memberPort.stderr]).toEqual([
      125,
      'Error: invalid config provided: published or exposed ports must be defined when the pod is created: network cannot be configured when it is shared with a pod\n',
    ]);
    const memberHost = await run(['create', '--pod', 'dup', '--hostname', 'x', img, 'true']);
    expect(memberHost.code).toBe(125);
    expect(memberHost.stderr).toContain('cannot set hostname when joining the pod UTS namespace');
    // An id file in a directory that does not exist is refused before anything is created.
    const cidNoDir = await run(['create', '--name', 'nocidfile', '--cidfile', '/nonexistent-tpod-dir/c.id', img, 'true']);
    expect([cidNoDir.code, cidNoDir.stderr]).toEqual([125, 'Error: cannot write the container id file /nonexistent-tpod-dir/c.id: no such file or directory\n']);
    const podIdNoDir = await run(['pod', 'create', '--name', 'noidfile', '--pod-id-file', '/nonexistent-tpod-dir/p.id']);
    expect([podIdNoDir.code, podIdNoDir.stderr]).toEqual([125, 'Error: cannot write the pod id file /nonexistent-tpod-dir/p.id: no such file or directory\n']);
    // So is one in a directory the user cannot write to (the unprivileged user, so the kernel says no).
    const cidNoWrite = await run(['create', '--name', 'nocidwrite', '--cidfile', '/proc/tpod-c.id', img, 'true']);
    expect(cidNoWrite.code).toBe(125);
    expect(cidNoWrite.stderr).toMatch(/^Error: cannot write the container id file \/proc\/tpod-c.id: .*permission denied/);
    expect((await run(['container', 'exists', 'nocidwrite'])).code).toBe(1);
    for (const p of ['badshare', 'noinfra', 'noidfile']) expect((await run(['pod', 'exists', p])).code).toBe(1);
    expect((await names()).length).toBe(before.length + 1); // dup's infra, nothing else
    // A pod without an infra: members keep their own namespaces; start with no container is refused.
    const bare = await out(['pod', 'create', '--name', 'bare', '--infra=false']);
    const empty = await run(['pod', 'start', 'bare']);
    expect([empty.code, empty.stderr]).toEqual([125, `Error: no containers in pod ${bare} have no dependencies, cannot start pod: no such container\n`]);
    expect(await out(['run', '--rm', '--pod', 'bare', '-h', 'own', img, 'hostname'])).toBe('own');
    // Pods and containers share names, as in Podman.
    await ok(['create', '--name', 'ctrname', img, 'true']);
    const clash = await run(['pod', 'create', '--name', 'ctrname']);
    expect([clash.code, clash.stderr]).toEqual([125, 'Error: adding pod to state: name "ctrname" is in use: container already exists\n']);
    const clash2 = await run(['create', '--name', 'dup', img, 'true']);
    expect([clash2.code, clash2.stderr]).toEqual([125, 'Error: name "dup" is in use: pod already exists\n']);
    await ok(['rm', 'ctrname']);
    await ok(['pod', 'rm', '-f', 'dup', 'bare']);
  });
});
