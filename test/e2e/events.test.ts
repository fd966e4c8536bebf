// `tpod events` with Podman's file backend: what container, pod and image commands
// record, Podman's filters and formats, events_logfile_path and its rotation from
// containers.conf ($CONTAINERS_CONF), and the none backend.
import { expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage } from './harness.js';

describeE2E('events', () => {
  const t = useEnv('events');
  const ok = (args: string[], extraEnv?: NodeJS.ProcessEnv) => tpodOk(args, { env: t.env, ...(extraEnv ? { extraEnv } : {}) });

  it('records a container life with its labels, filtered as Podman filters', async () => {
    const img = await busyboxImage(t.env);
    const since = new Date().toISOString();
    await ok(['run', '--rm', '--name', 'ev1', '--label', 'team=blue', img, 'true']);
    const code = await tpod(['run', '--name', 'ev2', img, 'sh', '-c', 'exit 17'], { env: t.env });
    expect(code.code).toBe(17);
    const statuses = (await ok(['events', '--stream=false', '--since', since, '--filter', 'container=ev1', '--format', '{{.Status}}'])).stdout.trim().split('\n');
    expect(statuses).toEqual(['create', 'init', 'start', 'died', 'remove']);
    const started = (await ok(['events', '--stream=false', '--since', since, '--filter', 'event=start', '--filter', 'label=team=blue'])).stdout;
    expect(started).toMatch(new RegExp(`^\\S+ \\S+ \\S+ \\S+ container start [0-9a-f]{64} \\(image=${img}, name=ev1, .*team=blue\\)\\n$`));
    // Two values of one key: either matches.
    const both = (await ok(['events', '--stream=false', '--since', since, '--filter', 'container=ev1', '--filter', 'container=ev2', '--filter', 'event=start', '--format', '{{.Name}}'])).stdout;
    expect(both).toBe('ev1\nev2\n');
    const died = (await ok(['events', '--stream=false', '--since', since, '--filter', 'container=ev2', '--filter', 'status=died', '--format', '{{.ContainerExitCode}} {{.ID}}--{{.Image}}'])).stdout;
    const id = (await ok(['inspect', '--format', '{{.Id}}', 'ev2'])).stdout.trim();
    expect(died).toBe(`17 ${id}--${img}\n`);
    const short = (await ok(['events', '--stream=false', '--since', since, '--filter', 'container=ev2', '--filter', 'event=start', '--no-trunc=false'])).stdout;
    expect(short).toContain(` container start ${id.slice(0, 12)} (`);
    await ok(['rm', 'ev2']);
  });

  it('records image tags, untags and removal; --format json prints the records', async () => {
    const img = await busyboxImage(t.env);
    const since = new Date().toISOString();
    await ok(['tag', img, 'registry.example/ev:1']);
    await ok(['untag', img, 'registry.example/ev:1']);
    const lines = (await ok(['events', '--stream=false', '--since', since, '--filter', 'type=image', '--format', '{{.Status}}--{{.Name}}'])).stdout;
    expect(lines).toBe('tag--registry.example/ev:1\nuntag--registry.example/ev:1\n');
    const json = (await ok(['events', '--stream=false', '--since', since, '--filter', 'type=image', '--format', 'json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json[0]).toMatchObject({ Status: 'tag', Type: 'image', Name: 'registry.example/ev:1' });
    expect(json[0]!.Time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  });

  it('writes to events_logfile_path from $CONTAINERS_CONF and rotates it at events_logfile_max_size', async () => {
    const img = await busyboxImage(t.env);
    const file = join(t.env.base, 'my-events.log');
    const conf = join(t.env.base, 'containers.conf');
    writeFileSync(conf, `[engine]\nevents_logger="file"\nevents_logfile_path="${file}"\n`);
    // A missing file reads as no events (not a hang).
    expect((await ok(['events', '--stream=false'], { CONTAINERS_CONF: conf })).stdout).toBe('');
    const seed = Array.from({ length: 100 }, (_x, i) => `{"Name":"busybox","Status":"pull","Time":"2022-04-06T11:26:42.7236679${String(i).padStart(2, '0')}+02:00","Type":"image","Attributes":null}\n`).join('');
    writeFileSync(file, seed);
    writeFileSync(conf, `[engine]\nevents_logger="file"\nevents_logfile_path="${file}"\nevents_logfile_max_size=${seed.length / 2}\n`);
    const cid = (await ok(['create', img, 'true'])).stdout.trim();
    await ok(['rm', cid], { CONTAINERS_CONF: conf });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(51);
    expect(lines.slice(0, 49)).toEqual(seed.trimEnd().split('\n').slice(51));
    const out = (await ok(['events', '--stream=false', '--since', '2022-03-06T11:26:42.723667984+02:00'], { CONTAINERS_CONF: conf })).stdout.trimEnd().split('\n');
    expect(out).toHaveLength(51);
    expect(out[49]).toMatch(new RegExp(` system log-rotation ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(out[50]).toContain(` container remove ${cid} `);
  });

  it('follows new events until stopped, and refuses to read the none backend', async () => {
    const img = await busyboxImage(t.env);
    // Streams until --until has passed (this is the only way to end it without a signal).
    const follow = tpod(['events', '--filter', 'container=late', '--format', '{{.Status}}', '--until', new Date(Date.now() + 10_000).toISOString()], { env: t.env, timeout: 60_000 });
    await new Promise((r) => setTimeout(r, 1500));
    await ok(['create', '--name', 'late', img, 'true']);
    await ok(['rm', 'late']);
    const r = await follow;
    expect(r.stdout).toBe('create\nremove\n');
    for (const args of [['--events-backend', 'none', 'events'], ['--events-backend=none', 'events', '--stream=false']]) {
      const none = await tpod(args, { env: t.env });
      expect(none.code).toBe(125);
      expect(none.stderr).toBe('Error: cannot read events with the "none" backend\n');
    }
  });
});
