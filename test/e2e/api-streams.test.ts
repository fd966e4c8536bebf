// The API's streams through the real docker CLI and dockerode: logs (frames, tail,
// timestamps, follow ending at exit), attach with stdin, exec with pipes and with a
// terminal, exit codes through exec inspect, and clients that leave mid-stream.
import { expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { busyboxImage, describeE2E, onPath, procGone, tpodOk, until, useEnv } from './harness.js';
import { apiRequest, docker, useService } from './api-harness.js';

function collect(s: PassThrough): () => string {
  let text = '';
  s.on('data', (b: Buffer) => (text += b.toString()));
  return () => text;
}

describeE2E('api: streams', () => {
  const t = useEnv('api-streams');
  const s = useService(() => t.env);
  const api = (): Docker => new Docker({ socketPath: s.service.socket });
  let img = '';
  const runDetached = async (name: string, opts: string[], cmd: string[]): Promise<string> => {
    if (!img) img = await busyboxImage(t.env);
    return (await tpodOk(['run', '-d', '--name', name, ...opts, img, ...cmd], { env: t.env })).stdout.trim();
  };
  const sh = (script: string): string[] => ['sh', '-c', script];

  it('docker exec: output, stdin, exit codes, missing commands, stopped containers', async () => {
    await runDetached('ex', [], sh('sleep 1000'));
    const hi = await docker(s.service, ['exec', 'ex', 'echo', 'hi'], { env: t.env });
    expect(hi).toMatchObject({ code: 0, stdout: 'hi\n' });
    const cat = await docker(s.service, ['exec', '-i', 'ex', 'cat'], { env: t.env, input: 'through stdin\n' });
    expect(cat).toMatchObject({ code: 0, stdout: 'through stdin\n' });
    expect((await docker(s.service, ['exec', 'ex', 'sh', '-c', 'echo err >&2; exit 7'], { env: t.env })).code).toBe(7);
    const err = await docker(s.service, ['exec', 'ex', 'sh', '-c', 'echo err >&2'], { env: t.env });
    expect(err).toMatchObject({ code: 0, stdout: '', stderr: 'err\n' });
    const env = await docker(s.service, ['exec', '-u', 'nobody', '-w', '/tmp', '-e', 'A=b', 'ex', 'sh', '-c', 'id -u; pwd; echo $A'], { env: t.env });
    expect(env.stdout).toBe('65534\n/tmp\nb\n');
    const missing = await docker(s.service, ['exec', 'ex', 'no-such-command'], { env: t.env });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/no-such-command/);
    await runDetached('ex-stopped', [], sh('true'));
    await until('ex-stopped exited', async () => (await tpodOk(['inspect', '-f', '{{.State.Status}}', 'ex-stopped'], { env: t.env })).stdout.trim() === 'exited');
    const r = await apiRequest(s.service.socket, 'POST', '/v1.41/containers/ex-stopped/exec', { Cmd: ['true'] });
    expect(r.status).toBe(409);
    expect((r.json() as { message: string }).message).toMatch(/is not running/);
    expect((await apiRequest(s.service.socket, 'POST', '/v1.41/containers/nope/exec', { Cmd: ['true'] })).status).toBe(404);
  });

  it('docker exec -it: a terminal the client can size, through a pty', async () => {
    const script = onPath('script');
    if (!script) throw new Error('script (util-linux) is not on PATH: it drives docker exec -it here');
    await runDetached('tty', [], sh('sleep 1000'));
    const dockerCmd = `stty rows 33 cols 101; DOCKER_HOST=${s.service.dockerHost} DOCKER_CONFIG=${t.env.home}/.docker docker exec -it tty sh`;
    // Typed once the shell prompts, as a user would (ash reads ahead while it starts).
    const child = spawn(script, ['-qec', dockerCmd, '/dev/null'], { env: t.env.vars, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await until(`the shell prompts\n${out}`, () => out.includes('# '));
    child.stdin.write('echo $((6*7)); stty size; tty\n');
    await until(`the shell answers\n${out}`, () => /\/dev\/pts\/\d+/.test(out));
    child.stdin.write('exit 3\n');
    const r = { code: await exited, stdout: out };
    expect(r.stdout).toContain('42');
    expect(r.stdout).toContain('33 101');
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(r.code).toBe(3);
  });

  it('dockerode: exec create/start hijacked, demultiplexed, with ExitCode and Tty in inspect', async () => {
    await runDetached('dx', [], sh('sleep 1000'));
    const c = api().getContainer('dx');
    const exec = await c.exec({ Cmd: ['sh', '-c', 'cat; echo to-err >&2; exit 4'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: true });
    const out = new PassThrough();
    const err = new PassThrough();
    const outText = collect(out);
    const errText = collect(err);
    api().modem.demuxStream(stream, out, err);
    stream.end('piped in\n');
    await new Promise((r) => stream.on('end', r));
    expect(outText()).toBe('piped in\n');
    expect(errText()).toBe('to-err\n');
    const info = await exec.inspect();
    expect(info).toMatchObject({ Running: false, ExitCode: 4, OpenStdin: true, ProcessConfig: { entrypoint: 'sh', tty: false } });
    expect(info.ContainerID).toMatch(/^[0-9a-f]{64}$/);

    // With Tty the stream is raw (no frame headers) and the process has a terminal.
    const tty = await c.exec({ Cmd: ['tty'], Tty: true, AttachStdout: true, AttachStderr: true });
    const raw = await tty.start({ hijack: true, stdin: false, Tty: true });
    let bytes = Buffer.alloc(0);
    raw.on('data', (b: Buffer) => (bytes = Buffer.concat([bytes, b])));
    await new Promise((r) => raw.on('end', r));
    expect(bytes.toString()).toMatch(/^\/dev\/pts\/\d+\r\n$/);
    expect((await tty.inspect()).ProcessConfig.tty).toBe(true);
  });

  it('docker logs: streams apart, --tail with -t, -f ending when the container exits', async () => {
    await runDetached('lg', [], sh('echo out1; echo err1 >&2; echo out2; sleep 1000'));
    await until('lg logged', async () => (await docker(s.service, ['logs', 'lg'], { env: t.env })).stdout === 'out1\nout2\n');
    const both = await docker(s.service, ['logs', 'lg'], { env: t.env });
    expect(both.stderr).toBe('err1\n');
    const tail = await docker(s.service, ['logs', '--tail', '2', '-t', 'lg'], { env: t.env });
    expect(`${tail.stdout}${tail.stderr}`.trim().split('\n').map((l) => l.replace(/^\S+ /, '')).sort()).toEqual(['err1', 'out2']);
    expect(tail.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\S* out2\n$/);
    const follow = docker(s.service, ['logs', '-f', 'lg'], { env: t.env });
    await tpodOk(['stop', '-t', '1', 'lg'], { env: t.env });
    const f = await follow;
    expect(f).toMatchObject({ code: 0, stdout: 'out1\nout2\n', stderr: 'err1\n' });
  });

  it('dockerode: logs with follow, demultiplexed, until the container exits', async () => {
    await runDetached('dl', [], sh('echo a; echo b >&2; sleep 1; echo c'));
    const stream = (await api().getContainer('dl').logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream;
    const out = new PassThrough();
    const err = new PassThrough();
    const outText = collect(out);
    const errText = collect(err);
    api().modem.demuxStream(stream, out, err);
    await new Promise((r) => stream.on('end', r));
    expect(outText()).toBe('a\nc\n');
    expect(errText()).toBe('b\n');
  });

  it('docker attach: stdin to the container, its exit code back', async () => {
    await runDetached('at', ['-i'], sh('while read l; do echo got $l; [ "$l" = q ] && exit 3; done'));
    const r = await docker(s.service, ['attach', 'at'], { env: t.env, input: 'a\nq\n' });
    expect(r.stdout).toBe('got a\ngot q\n');
    expect(r.code).toBe(3);
  });

  it('docker start -a: an attach that came before the start sees the first output', async () => {
    if (!img) img = await busyboxImage(t.env);
    await tpodOk(['create', '--name', 'sa', img, 'sh', '-c', 'echo first; echo second >&2; exit 4'], { env: t.env });
    const r = await docker(s.service, ['start', '-a', 'sa'], { env: t.env });
    expect(r).toMatchObject({ code: 4, stdout: 'first\n', stderr: 'second\n' });
  });

  it('clients leaving mid-attach, mid-follow and mid-exec: the container runs on, no process is left, the service answers', async () => {
    const id = await runDetached('gone', ['-i'], sh('while read l; do echo $l; done'));
    const c = api().getContainer('gone');
    // Mid-attach: the container keeps running.
    const att = (await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as NodeJS.ReadWriteStream & { destroy(): void };
    let echoed = '';
    att.on('data', (b: Buffer) => (echoed += b.toString()));
    att.write('ping\n');
    await until('the attach relays', () => echoed.includes('ping'));
    att.destroy();
    // Mid-follow.
    const logs = (await c.logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream & { destroy(): void };
    logs.on('data', () => undefined);
    logs.destroy();
    // Mid-exec: cat gets EOF, a terminal shell a hang-up.
    const piped = await c.exec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true });
    const ps = await piped.start({ hijack: true, stdin: true });
    ps.on('data', () => undefined);
    const termed = await c.exec({ Cmd: ['sh'], AttachStdin: true, AttachStdout: true, Tty: true });
    const ts = await termed.start({ hijack: true, stdin: true, Tty: true });
    ts.on('data', () => undefined);
    await until('both execs run', async () => (await piped.inspect()).Running && (await termed.inspect()).Running);
    const pids = [(await piped.inspect()).Pid, (await termed.inspect()).Pid];
    ps.destroy();
    ts.destroy();
    await until('the execs ended', async () => !(await piped.inspect()).Running && !(await termed.inspect()).Running);
    for (const p of pids) expect(procGone(p)).toBe(true);
    expect((await apiRequest(s.service.socket, 'GET', '/_ping')).status).toBe(200);
    expect((await tpodOk(['inspect', '-f', '{{.State.Status}}', id], { env: t.env })).stdout.trim()).toBe('running');
    // Still attachable, and its stdin still works.
    const again = await docker(s.service, ['exec', 'gone', 'echo', 'alive'], { env: t.env });
    expect(again.stdout).toBe('alive\n');
    await tpodOk(['rm', '-f', '-t', '0', id], { env: t.env });
  });

  it('resize answers for a terminal container and 409s for a stopped one', async () => {
    await runDetached('rz', ['-t'], sh('sleep 1000'));
    expect((await apiRequest(s.service.socket, 'POST', '/v1.41/containers/rz/resize?h=40&w=120')).status).toBe(200);
    const size = await docker(s.service, ['exec', 'rz', 'sh', '-c', 'stty size < /proc/1/fd/0'], { env: t.env });
    expect(size.stdout.trim()).toBe('40 120');
    expect((await apiRequest(s.service.socket, 'POST', '/v1.41/containers/ex-stopped/resize?h=1&w=1')).status).toBe(409);
  });
});
