// The OCI spec of a pod member (src/runtime/spec.ts joinNamespaces) and the refresh of
// its namespace paths at each start (src/engine/pod-member.ts).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildSpec, type SpecInput } from '../../../src/runtime/spec.js';
import { parseRunOptions, type HostAccess } from '../../../src/runtime/options.js';
import { createContext, type Context } from '../../../src/engine/context.js';
import { createPod } from '../../../src/storage/pods.js';
import { createContainer, type ContainerRecord, type TreeRemover } from '../../../src/storage/containers.js';
import { refreshMemberNamespaces } from '../../../src/engine/pod-member.js';

const host: HostAccess = { env: {}, cwd: '/', readFile: () => '', stat: () => undefined };

function spec(extra: Partial<SpecInput> = {}) {
  return buildSpec({
    id: 'a'.repeat(64),
    image: { Cmd: ['sh'] },
    opts: parseRunOptions({ image: 'busybox', command: [] }, host),
    user: { uid: 0, gid: 0, additionalGids: [], home: '/root', name: 'root' },
    rootfs: '/c/merged',
    hostname: 'pod1',
    files: { hostname: '/c/userdata/hostname' },
    nofile: { soft: 1024, hard: 1024 },
    cgroupV2: false,
    capLastCap: 40,
    applyResources: false,
    ...extra,
  });
}

describe('a pod member spec', () => {
  it('joins the shared namespaces by path and keeps its own mount namespace', () => {
    const s = spec({ joinNamespaces: { ipc: '/proc/9/ns/ipc', uts: '/proc/9/ns/uts' } });
    expect(s.linux.namespaces.slice(0, 4)).toEqual([{ type: 'pid' }, { type: 'ipc', path: '/proc/9/ns/ipc' }, { type: 'uts', path: '/proc/9/ns/uts' }, { type: 'mount' }]);
  });

  it('sets no hostname in a joined UTS namespace (the runtimes refuse one), but keeps HOSTNAME', () => {
    const s = spec({ joinNamespaces: { uts: '/proc/9/ns/uts' } });
    expect(s.hostname).toBeUndefined();
    expect(s.process.env).toContain('HOSTNAME=pod1');
    expect(spec().hostname).toBe('pod1');
    expect(spec({ joinNamespaces: { pid: '/proc/9/ns/pid' } }).linux.namespaces[0]).toEqual({ type: 'pid', path: '/proc/9/ns/pid' });
  });
});

describe('refreshing a member at start', () => {
  let dir: string;
  let ctx: Context;
  const remover: TreeRemover = async (d) => rmSync(d.dir, { recursive: true, force: true });
  const rec = (c: { id: string; name: string }, extra: Partial<ContainerRecord>): ContainerRecord => ({
    id: c.id, name: c.name, image: 'b', imageId: 'f'.repeat(64), imageName: 'b', command: ['sh'], created: new Date().toISOString(),
    state: 'created', runtime: 'crun', driver: 'overlay', layers: [], hostname: 'h', network: 'none', rm: false, tty: false, interactive: false, ...extra,
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tpod-member-'));
    ctx = createContext({ root: join(dir, 'root'), runroot: join(dir, 'run'), logLevel: 'error' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("points the spec at the running infra's pid, and refuses when the infra does not run", async () => {
    let infraId = '';
    const pod = await createPod(ctx, 'p', async ({ id, name }) => {
      // The test process plays the infra: its pid is alive, its "monitor" too.
      const stat = readFileSync('/proc/self/stat', 'utf8');
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
      const infra = await createContainer(ctx, 'p-infra', (c) => rec(c, { pod: id, isInfra: true, state: 'running', pid: process.pid, monitorPid: process.pid, monitorStartTime: start, bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() }), remover);
      infraId = infra.id;
      return { id, name, created: new Date().toISOString(), labels: {}, share: ['ipc', 'net', 'uts'], infraId };
    });
    const member = await createContainer(ctx, 'm', (c) => {
      mkdirSync(c.dirs.userdata, { recursive: true });
      writeFileSync(join(c.dirs.userdata, 'config.json'), JSON.stringify({ linux: { namespaces: [{ type: 'pid' }, { type: 'ipc', path: '/proc/0/ns/ipc' }, { type: 'uts', path: '/proc/1234/ns/uts' }, { type: 'network', path: '/run/netns/x' }] } }));
      return rec(c, { pod: pod.id });
    }, remover);
    refreshMemberNamespaces(ctx, member);
    const s = JSON.parse(readFileSync(join(ctx.paths.containers, member.id, 'userdata', 'config.json'), 'utf8')) as { linux: { namespaces: unknown[] } };
    expect(s.linux.namespaces).toEqual([
      { type: 'pid' },
      { type: 'ipc', path: `/proc/${process.pid}/ns/ipc` },
      { type: 'uts', path: `/proc/${process.pid}/ns/uts` },
      { type: 'network', path: '/run/netns/x' },
    ]);
    const { updateContainer } = await import('../../../src/storage/containers.js');
    await updateContainer(ctx, infraId, { state: 'exited' });
    expect(() => refreshMemberNamespaces(ctx, member)).toThrow('the infra container of pod p is not running: start the pod first');
  });
});
