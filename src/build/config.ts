// The instructions that only change the image's config (ENV, LABEL, EXPOSE, USER,
// WORKDIR, VOLUME, ENTRYPOINT, CMD, SHELL, STOPSIGNAL, MAINTAINER, ONBUILD,
// HEALTHCHECK): pure functions of the config so far, the variables, and the instruction.
import { posix } from 'node:path';
import type { ImageConfigBody } from '../image/types.js';
import type { Instruction } from './parse.js';
import { ContainerfileError } from './parse.js';
import { expand, words, type Vars } from './expand.js';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

export interface ConfigState {
  body: ImageConfigBody;
  author?: string | undefined;
  /** CMD set in this stage (ENTRYPOINT then keeps it; otherwise it clears the inherited one). */
  cmdSet: boolean;
}

/** The image's environment as a map (later entries win). */
export function envMap(env: string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env ?? []) {
    const eq = e.indexOf('=');
    if (eq > 0) m.set(e.slice(0, eq), e.slice(eq + 1));
    else m.set(e, '');
  }
  return m;
}

function setEnv(env: string[] | undefined, name: string, value: string): string[] {
  const out = (env ?? []).filter((e) => e.split('=', 1)[0] !== name);
  out.push(`${name}=${value}`);
  return out;
}

/** CMD/ENTRYPOINT/RUN: the exec form as written, or the shell form run by the stage's shell. */
export function commandOf(i: Instruction, shell: string[]): string[] {
  return i.json ?? [...shell, i.args];
}

function durationNs(text: string, file: string, line: number): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) throw new ContainerfileError(file, line, `invalid duration "${text}"`);
  const unit = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

/** Applies one config instruction; `vars` are the ARGs in effect with the image's ENV over them. */
export function applyConfigInstruction(state: ConfigState, i: Instruction, vars: Vars, escape: string, file: string): ConfigState {
  const body: ImageConfigBody = { ...state.body };
  const x = (s: string): string => expand(s, vars, escape);
  const next: ConfigState = { ...state, body };
  switch (i.keyword) {
    case 'ENV': {
      const local = new Map(vars);
      for (const [k, v] of i.pairs ?? []) {
        const value = expand(v ?? '', local, escape);
        local.set(k, value);
        body.Env = setEnv(body.Env, k, value);
      }
      break;
    }
    case 'LABEL':
      body.Labels = { ...(body.Labels ?? {}) };
      for (const [k, v] of i.pairs ?? []) body.Labels[x(k)] = x(v ?? '');
      break;
    case 'EXPOSE':
      body.ExposedPorts = { ...(body.ExposedPorts ?? {}) };
      for (const p of words(x(i.args))) {
        if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw new ContainerfileError(file, i.line, `invalid port "${p}" in EXPOSE`);
        body.ExposedPorts[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
      }
      break;
    case 'USER':
      body.User = x(i.args).trim();
      break;
    case 'WORKDIR': {
      const dir = x(i.args).trim();
      body.WorkingDir = posix.resolve(body.WorkingDir || '/', dir);
      break;
    }
    case 'VOLUME': {
      body.Volumes = { ...(body.Volumes ?? {}) };
      const list = i.json ?? words(x(i.args));
      for (const v of list) {
        if (v === '') throw new ContainerfileError(file, i.line, 'VOLUME names an empty path');
        body.Volumes[posix.resolve('/', x(v))] = {};
      }
      break;
    }
    case 'CMD':
      body.Cmd = commandOf(i, body.Shell ?? DEFAULT_SHELL);
      next.cmdSet = true;
      break;
    case 'ENTRYPOINT':
      body.Entrypoint = i.json ?? (i.args === '' ? [] : [...(body.Shell ?? DEFAULT_SHELL), i.args]);
      if (!state.cmdSet) body.Cmd = null;
      break;
    case 'SHELL':
      if (!i.json || i.json.length === 0) throw new ContainerfileError(file, i.line, 'SHELL requires the arguments to be in JSON form');
      body.Shell = i.json;
      break;
    case 'STOPSIGNAL':
      body.StopSignal = x(i.args).trim();
      break;
    case 'MAINTAINER':
      next.author = i.args.trim();
      break;
    case 'ONBUILD': {
      const kw = i.args.trim().split(/\s+/, 1)[0]!.toUpperCase();
      if (kw === 'ONBUILD' || kw === 'FROM' || kw === 'MAINTAINER') throw new ContainerfileError(file, i.line, `${kw} is not allowed as an ONBUILD trigger`);
      body.OnBuild = [...(body.OnBuild ?? []), i.args.trim()];
      break;
    }
    case 'HEALTHCHECK': {
      const rest = i.args.trim();
      if (/^none$/i.test(rest)) {
        body.Healthcheck = { Test: ['NONE'] };
        break;
      }
      const m = /^cmd\s+([\s\S]*)$/i.exec(rest);
      if (!m) throw new ContainerfileError(file, i.line, 'HEALTHCHECK takes NONE or CMD followed by a command');
      const cmd = m[1]!;
      const json = cmd.trim().startsWith('[') ? (JSON.parse(cmd) as string[]) : undefined;
      const hc: NonNullable<ImageConfigBody['Healthcheck']> = { Test: json ? ['CMD', ...json] : ['CMD-SHELL', cmd] };
      for (const f of i.flags) {
        const v = f.value ?? '';
        if (f.name === 'interval') hc.Interval = durationNs(v, file, i.line);
        else if (f.name === 'timeout') hc.Timeout = durationNs(v, file, i.line);
        else if (f.name === 'start-period') hc.StartPeriod = durationNs(v, file, i.line);
        else if (f.name === 'retries') hc.Retries = Number(v);
        else throw new ContainerfileError(file, i.line, `unknown flag --${f.name} for HEALTHCHECK`);
      }
      body.Healthcheck = hc;
      break;
    }
    default:
      throw new ContainerfileError(file, i.line, `${i.keyword} is not a config instruction`);
  }
  return next;
}
