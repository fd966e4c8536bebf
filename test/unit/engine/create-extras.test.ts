import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { groupAddGids, hostUserLines, keepIdHome, missingWorkdir, systemdOn } from '../../../src/engine/create-extras.js';
import { parseRunOptions } from '../../../src/runtime/options.js';

const host = { env: {}, cwd: '/', readFile: () => '', stat: () => undefined };
const dir = mkdtempSync(join(tmpdir(), 'tpod-cx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('create extras', () => {
  it('--hostuser adds host passwd lines by name or uid, and reports a missing user', () => {
    const hostPw = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1001:Alice:/home/alice:/bin/bash\n';
    expect(hostUserLines(hostPw, 'root:x:0:0::/root:/bin/sh\n', ['alice']).passwd).toBe('root:x:0:0::/root:/bin/sh\nalice:x:1001:1001::/home/alice:/bin/bash\n');
    expect(hostUserLines(hostPw, undefined, ['1001']).passwd).toBe('alice:x:1001:1001::/home/alice:/bin/bash\n');
    expect(hostUserLines(hostPw, 'alice:x:5:5::/:/bin/sh\n', ['alice'])).toEqual({});
    expect(hostUserLines(hostPw, '', ['bogus'])).toEqual({ missing: 'bogus' });
  });
  it('--group-add takes gids and group names from the image', () => {
    expect(groupAddGids(['457', 'wheel', 'keep-groups'], 'wheel:x:10:root\n')).toEqual([457, 10]);
    expect(() => groupAddGids(['nope'], 'wheel:x:10:\n')).toThrow('unable to find group nope');
  });
  it('--systemd true means systemd mode only for init or systemd', () => {
    expect(systemdOn(undefined, ['/sbin/init'])).toBe(true);
    expect(systemdOn('true', ['/usr/lib/systemd/systemd'])).toBe(true);
    expect(systemdOn(undefined, ['sh'])).toBe(false);
    expect(systemdOn('always', ['sh'])).toBe(true);
    expect(systemdOn('false', ['/sbin/init'])).toBe(false);
  });
  it('a --workdir is missing unless the image or a mount provides it', () => {
    const layer = join(dir, 'l1');
    mkdirSync(join(layer, 'home/podman'), { recursive: true });
    writeFileSync(join(dir, 'vol'), '');
    const o = (workdir: string, volume: string[] = []) => parseRunOptions({ image: 'i', command: [], workdir, volume }, host);
    expect(missingWorkdir(o('/home/podman'), [layer])).toBeUndefined();
    expect(missingWorkdir(o('/i/do/not/exist'), [layer])).toBe('/i/do/not/exist');
    expect(missingWorkdir(o('/data', [`${dir}:/data`]), [layer])).toBeUndefined();
    expect(missingWorkdir(o('/data', [`${join(dir, 'vol')}:/data/foo`]), [layer])).toBeUndefined();
  });
  it('keep-id: $HOME is the host home when the image has it or a volume is there, else the workdir', () => {
    const layer = join(dir, 'l2');
    mkdirSync(join(layer, 'home/podman'), { recursive: true });
    mkdirSync(join(layer, 'home/alice'), { recursive: true });
    const o = (volume: string[] = [], workdir?: string) =>
      parseRunOptions({ image: 'i', command: [], volume, ...(workdir ? { workdir } : {}) }, host);
    expect(keepIdHome('/home/bob', o(), '/home/podman', [layer])).toBe('/home/podman');
    expect(keepIdHome('/home/bob', o([`${dir}:/home/xbob`]), '/home/podman', [layer])).toBe('/home/podman');
    expect(keepIdHome('/home/bob', o([`${dir}:/home/bob`]), '/home/podman', [layer])).toBe('/home/bob');
    expect(keepIdHome('/home/bob', o(['/home/bob']), '/home/podman', [layer])).toBe('/home/bob'); // anonymous volume
    expect(keepIdHome('/home/bob', o(['/home/xbob']), '/home/podman', [layer])).toBe('/home/podman');
    expect(keepIdHome('/home/alice', o(), '/home/podman', [layer])).toBe('/home/alice');
    expect(keepIdHome('/home/bob', o([], '/srv'), '/home/podman', [layer])).toBe('/srv');
    expect(keepIdHome('/home/bob', o(), undefined, [layer])).toBe('/');
  });
});
