// Pods as Podman's system tests use them: --infra-image (and containers.conf's
// infra_image) pulled like any image, --network without a shared network, the exit
// policy's wording.
import { expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, tpod, tpodOk, useEnv, busyboxImage } from './harness.js';

describeE2E('pod compatibility', () => {
  const t = useEnv('pod-compat');
  const ok = (args: string[], extraEnv?: NodeJS.ProcessEnv) => tpodOk(args, { env: t.env, ...(extraEnv ? { extraEnv } : {}) });

  it('pulls --infra-image and containers.conf infra_image, failing in Podman\'s words', async () => {
    const bad = await tpod(['pod', 'create', '--infra-image', 'i.do/not/exist:image'], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/initializing source docker:\/\/i\.do\/not\/exist:image:/);
    const conf = join(t.env.base, 'infra.conf');
    writeFileSync(conf, '[engine]\ninfra_image="i.do/not/exist:image"\n');
    for (const args of [['pod', 'create'], ['create', '--pod', 'new:viaconf', await busyboxImage(t.env)]]) {
      const r = await tpod(args, { env: t.env, extraEnv: { CONTAINERS_CONF: conf } });
      expect({ args, code: r.code }).toEqual({ args, code: 125 });
      expect(r.stderr).toMatch(/initializing source docker:\/\/i\.do\/not\/exist:image:/);
    }
    // A local image serves as an infra image too (its own command holds the pod).
    const img = await busyboxImage(t.env);
    await ok(['create', '--name', 'infra-src', img, 'true']);
    await ok(['commit', '-q', '--change', 'CMD=["sleep","1000"]', 'infra-src', 'localhost/myinfra:1']);
    await ok(['rm', 'infra-src']);
    const pod = (await ok(['pod', 'create', '--infra-image', 'localhost/myinfra:1', '--name', 'custom'])).stdout.trim();
    const infra = (await ok(['pod', 'inspect', '--format', '{{.InfraContainerID}}', pod])).stdout.trim();
    expect((await ok(['inspect', '--format', '{{.ImageName}}', infra])).stdout.trim()).toBe('localhost/myinfra:1');
    await ok(['pod', 'start', 'custom']);
    expect((await ok(['ps', '--filter', `id=${infra}`, '--format', '{{.Command}}', '--no-trunc'])).stdout.trim()).toBe('sleep 1000');
    await ok(['pod', 'rm', '-f', '-t', '0', 'custom']);
  });

  it("names the infra image as Podman does; rmi -af untags all, then deletes all, oldest first", async () => {
    for (const args of [['pod', 'rm', '-af', '-t', '0'], ['rm', '-af', '-t', '0'], ['rmi', '-af']]) await ok(args);
    t.env.images.clear();
    const img = await busyboxImage(t.env);
    await ok(['create', '--pod', 'new:rmipod', img, 'true']);
    const pause = `localhost/podman-pause:${(await ok(['version', '--format', '{{.Server.Version}}-{{.Server.Built}}'])).stdout.trim()}`;
    const ids = await Promise.all([img, pause].map(async (i) => (await ok(['image', 'inspect', '--format', '{{.ID}}', i])).stdout.trim()));
    const busy = await tpod(['rmi', '-a'], { env: t.env });
    expect(busy.code).toBe(2);
    const r = await ok(['rmi', '-af']);
    expect(r.stdout).toBe(`Untagged: ${img}\nUntagged: ${pause}\nDeleted: ${ids[0]}\nDeleted: ${ids[1]}\n`);
    expect((await ok(['pod', 'ps', '-q'])).stdout).toBe('');
    t.env.images.delete(img);
  });

  it('refuses an --infra-name in use, saying it failed creating the infra container', async () => {
    await ok(['pod', 'create', '--name', 'firstpod', '--infra-name', 'shared-infra']);
    const r = await tpod(['pod', 'create', '--infra-name', 'shared-infra'], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^Error: creating infra container: the container name "shared-infra" is already in use by [0-9a-f]{64}\. You have to remove that container to be able to reuse that name: that name is already in use\n$/);
    expect((await ok(['pod', 'ps', '-q'])).stdout.trim().split('\n')).toHaveLength(1);
    await ok(['pod', 'rm', '-f', 'firstpod']);
  });

  it('takes --network without a shared network, and words a bad exit policy as Podman', async () => {
    await ok(['pod', 'create', '--share', 'ipc', '--network', 'private', '--name', 'np']);
    expect((await ok(['pod', 'inspect', 'np', '--format', '{{.InfraConfig.HostNetwork}}'])).stdout.trim()).toBe('false');
    await ok(['pod', 'create', '--share', 'ipc', '--network', 'host', '--replace', '--name', 'np']);
    expect((await ok(['pod', 'inspect', 'np', '--format', '{{.InfraConfig.HostNetwork}}'])).stdout.trim()).toBe('true');
    await ok(['pod', 'rm', 'np']);
    const bad = await tpod(['pod', 'create', '--exit-policy', 'invalid'], { env: t.env });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/^Error: .*running pod create option: invalid pod exit policy: "invalid"/);
  });
});
