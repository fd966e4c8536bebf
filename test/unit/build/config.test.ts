import { describe, expect, it } from 'vitest';
import { parseContainerfile } from '../../../src/build/parse.js';
import { applyConfigInstruction, type ConfigState } from '../../../src/build/config.js';

function apply(lines: string, vars = new Map<string, string>()): ConfigState {
  let st: ConfigState = { body: { Cmd: ['inherited'] }, cmdSet: false };
  for (const i of parseContainerfile(`FROM x\n${lines}`).instructions.slice(1)) st = applyConfigInstruction(st, i, vars, '\\', 'Containerfile');
  return st;
}

describe('config instructions', () => {
  it('sets env, labels, ports, workdir and volumes with substitution', () => {
    const st = apply('ENV A=1 B=$A\nLABEL k=${V}\nEXPOSE 80 53/udp\nWORKDIR /a\nWORKDIR b\nVOLUME ["/v"]\nUSER app\nSTOPSIGNAL SIGINT', new Map([['V', 'val']]));
    expect(st.body.Env).toEqual(['A=1', 'B=1']);
    expect(st.body.Labels).toEqual({ k: 'val' });
    expect(Object.keys(st.body.ExposedPorts!)).toEqual(['80/tcp', '53/udp']);
    expect(st.body.WorkingDir).toBe('/a/b');
    expect(st.body.Volumes).toEqual({ '/v': {} });
    expect([st.body.User, st.body.StopSignal]).toEqual(['app', 'SIGINT']);
  });
  it('clears an inherited CMD with ENTRYPOINT, keeps this stage\'s, and uses SHELL for shell forms', () => {
    expect(apply('ENTRYPOINT ["e"]').body.Cmd).toBeNull();
    expect(apply('CMD ["c"]\nENTRYPOINT ["e"]').body.Cmd).toEqual(['c']);
    expect(apply('SHELL ["/bin/bash", "-c"]\nCMD echo hi').body.Cmd).toEqual(['/bin/bash', '-c', 'echo hi']);
  });
  it('records ONBUILD, HEALTHCHECK and MAINTAINER', () => {
    const st = apply('ONBUILD RUN echo child\nHEALTHCHECK --interval=5s --retries=2 CMD true\nMAINTAINER me');
    expect(st.body.OnBuild).toEqual(['RUN echo child']);
    expect(st.body.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 2 });
    expect(st.author).toBe('me');
  });
});
