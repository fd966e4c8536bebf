import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitImagePath } from '../../../src/api/routes/images.js';
import { buildQuery, dockerfileIn } from '../../../src/api/routes/build.js';
import { dockerDiskUsage } from '../../../src/api/routes/df.js';
import { DockerProgress, JsonStream, progressBar } from '../../../src/api/json-stream.js';
import { ApiError } from '../../../src/api/errors.js';
import type { StoredImage } from '../../../src/image/store.js';

describe('splitImagePath', () => {
  it('splits names with slashes and ports from the action', () => {
    expect(splitImagePath('/v1.41/images/127.0.0.1:5000/library/busybox:latest/json', ['json', 'history'])).toEqual({ name: '127.0.0.1:5000/library/busybox:latest', action: 'json' });
    expect(splitImagePath('/images/busybox/history', ['json', 'history'])).toEqual({ name: 'busybox', action: 'history' });
    expect(splitImagePath('/images/sha256:abc', [])).toEqual({ name: 'sha256:abc', action: undefined });
    expect(splitImagePath('/images/foo%2Fbar/tag', ['tag'])).toEqual({ name: 'foo/bar', action: 'tag' });
  });

  it('refuses an empty name', () => {
    expect(() => splitImagePath('/images//json', ['json'])).toThrow(ApiError);
  });
});

describe('buildQuery', () => {
  it('reads Docker build parameters', () => {
    const q = new URLSearchParams();
    q.append('t', 'x');
    q.append('t', 'reg:5000/y:2');
    q.set('buildargs', JSON.stringify({ A: '1', B: null }));
    q.set('labels', JSON.stringify({ l: 'v' }));
    q.set('nocache', '1');
    q.set('pull', '1');
    q.set('q', 'true');
    q.set('target', 'stage');
    q.set('networkmode', 'default');
    q.set('dockerfile', 'sub/Dockerfile.dev');
    const b = buildQuery(q);
    expect(b.tags).toEqual(['docker.io/library/x:latest', 'reg:5000/y:2']);
    expect([...b.buildArgs]).toEqual([['A', '1']]);
    expect(b.labels).toEqual({ l: 'v' });
    expect(b).toMatchObject({ noCache: true, pull: true, quiet: true, target: 'stage', network: undefined, dockerfile: 'sub/Dockerfile.dev' });
  });

  it('defaults, and refuses bad JSON and remote contexts', () => {
    const b = buildQuery(new URLSearchParams());
    expect(b).toMatchObject({ dockerfile: 'Dockerfile', tags: [], noCache: false, pull: false, quiet: false });
    expect(() => buildQuery(new URLSearchParams({ buildargs: '{' }))).toThrow(ApiError);
    expect(() => buildQuery(new URLSearchParams({ remote: 'https://x/y.git' }))).toThrow(ApiError);
    expect(buildQuery(new URLSearchParams({ networkmode: 'host' })).network).toBe('host');
  });
});

describe('dockerfileIn', () => {
  it('finds the Dockerfile in the context, Containerfile as the fallback', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctx-'));
    writeFileSync(join(dir, 'Containerfile'), 'FROM x\n');
    expect(dockerfileIn(dir, 'Dockerfile')).toBe(join(dir, 'Containerfile'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'D'), 'FROM y\n');
    expect(dockerfileIn(dir, 'sub/D')).toBe(join(dir, 'sub', 'D'));
    expect(() => dockerfileIn(dir, 'nope')).toThrow(/Cannot locate specified Dockerfile/);
  });

  it('refuses a Dockerfile that leads outside the context (symlink or ..)', () => {
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    writeFileSync(join(outside, 'secret'), 'FROM z\n');
    const dir = mkdtempSync(join(tmpdir(), 'ctx-'));
    symlinkSync(join(outside, 'secret'), join(dir, 'Dockerfile'));
    expect(() => dockerfileIn(dir, 'Dockerfile')).toThrow(/outside the build context/);
    expect(() => dockerfileIn(dir, `../${outside.split('/').pop()}/secret`)).toThrow(/outside the build context/);
  });
});

describe('progress', () => {
  it('draws Docker progress bars', () => {
    expect(progressBar(0, 100, 10)).toBe('[>         ]       0B/100B');
    expect(progressBar(50, 100, 10)).toBe('[=====>    ]      50B/100B');
    expect(progressBar(2_500_000, 2_500_000, 10)).toBe('[==========]    2.5MB/2.5MB');
  });

  it('words pull progress as the Docker daemon does, the header first', () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = { write: (m: Record<string, unknown>) => lines.push(m) } as unknown as JsonStream;
    let now = 0;
    const p = new DockerProgress(stream, { status: 'Pulling from library/busybox', id: 'latest' }, undefined, () => now);
    const dg = 'sha256:' + '1'.repeat(64);
    p.blobSkipped('sha256:' + '2'.repeat(64));
    p.blobStart(dg, 1000);
    now = 1000;
    p.blobProgress(dg, 500);
    p.blobProgress(dg, 600); // too soon after the last line
    p.blobDone(dg);
    expect(lines.map((l) => `${l.id ?? ''} ${l.status}`)).toEqual([
      'latest Pulling from library/busybox',
      '222222222222 Already exists',
      '111111111111 Pulling fs layer',
      '111111111111 Downloading',
      '111111111111 Download complete',
      '111111111111 Pull complete',
    ]);
    expect(lines[3]!.progressDetail).toEqual({ current: 500, total: 1000 });
    expect(p.transferred).toBe(1);
  });
});

describe('dockerDiskUsage', () => {
  it('maps the df report to Docker DiskUsage', () => {
    const img: StoredImage = { id: 'a'.repeat(64), names: ['docker.io/library/x:latest'], digests: [], manifestDigest: '', layers: ['sha256:1'], created: '2024-01-01T00:00:00Z', size: 40, namesHistory: [], manifestType: '', configSize: 0, manifestSize: 0 };
    const out = dockerDiskUsage(
      {
        images: [{ image: img, size: 50, containers: 1 }],
        containers: [{ record: { id: 'c1', name: 'web', image: 'x', imageId: img.id, imageName: 'x', command: ['sh', '-c', 'true'], created: '2024-01-01T00:00:00Z' } as never, size: 7, status: 'exited', running: false, volumes: 0 }],
        volumes: [{ name: 'v', size: 3, links: 1 }],
      },
      new Map([[img.id, { k: 'v' }]]),
    );
    expect(out.LayersSize).toBe(40);
    expect(out.BuildCache).toEqual([]);
    expect((out.Images as Array<Record<string, unknown>>)[0]).toMatchObject({ Id: `sha256:${img.id}`, RepoTags: ['docker.io/library/x:latest'], Size: 50, Containers: 1, Labels: { k: 'v' } });
    expect((out.Containers as Array<Record<string, unknown>>)[0]).toMatchObject({ Id: 'c1', Names: ['/web'], Command: 'sh -c true', SizeRw: 7, SizeRootFs: 57, State: 'exited' });
    expect((out.Volumes as Array<Record<string, unknown>>)[0]).toMatchObject({ Name: 'v', UsageData: { Size: 3, RefCount: 1 } });
  });
});
