// The systemd user units install.sh writes: Podman's podman.socket/podman.service facts
// (socket under %t, service of Type=exec that only stops its own process), with the path
// of tpod made one literal word of ExecStart.
import { describe, expect, it } from 'vitest';
import { execPath, userUnits } from '../../../scripts/user-units.mjs';

/** KEY=VALUE lines of one [SECTION]. */
function section(text: string, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  let cur = '';
  for (const line of text.split('\n')) {
    const s = /^\[(.+)\]$/.exec(line.trim());
    if (s) cur = s[1]!;
    else if (cur === name && /^\w+=/.test(line)) {
      const i = line.indexOf('=');
      out[line.slice(0, i)] = line.slice(i + 1);
    }
  }
  return out;
}

describe('user units', () => {
  const u = userUnits('/usr/local/bin/tpod');

  it('tpod.socket listens on %t/tpod/tpod.sock, only for the user', () => {
    const s = section(u['tpod.socket'], 'Socket');
    expect(s).toMatchObject({ ListenStream: '%t/tpod/tpod.sock', SocketMode: '0600', DirectoryMode: '0700' });
    expect(section(u['tpod.socket'], 'Install').WantedBy).toBe('sockets.target');
  });

  it('tpod.service runs tpod system service with its default idle time, as Podman does', () => {
    const s = section(u['tpod.service'], 'Service');
    expect(s).toMatchObject({ Type: 'exec', KillMode: 'process', Delegate: 'true' });
    expect(s.ExecStart).toBe('/usr/local/bin/tpod $LOGGING system service');
    expect(s.ExecStart).not.toMatch(/--time|-t /);
    expect(section(u['tpod.service'], 'Unit')).toMatchObject({ Requires: 'tpod.socket', After: 'tpod.socket' });
    expect(u['tpod.service']).not.toContain('@@');
  });

  it('keeps odd paths one literal word', () => {
    expect(execPath('/opt/tpod/bin/tpod')).toBe('/opt/tpod/bin/tpod');
    expect(execPath('/home/a b/bin/tpod')).toBe('"/home/a b/bin/tpod"');
    expect(execPath('/x/100%/$HOME/tpod')).toBe('/x/100%%/$$HOME/tpod');
    expect(() => userUnits('bin/tpod')).toThrow(/absolute/);
  });
});
