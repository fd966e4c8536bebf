// Checks an image config from untrusted bytes enough that the rest of tpod can rely on
// its shape: rootfs.diff_ids are sha256 digests, config fields have the right types.
import { TpodError } from '../errors.js';
import type { ImageConfig } from './types.js';

const DIGEST = /^sha256:[a-f0-9]{64}$/;

function fail(label: string, why: string): never {
  throw new TpodError('EARCHIVE', `${label}: invalid image config: ${why}`);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

export function parseImageConfig(bytes: Buffer, label: string): ImageConfig {
  let c: unknown;
  try {
    c = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    fail(label, `not JSON: ${(err as Error).message}`);
  }
  if (typeof c !== 'object' || c === null || Array.isArray(c)) fail(label, 'not an object');
  const cfg = c as Record<string, unknown>;
  const rootfs = cfg.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (!rootfs || typeof rootfs !== 'object') fail(label, 'missing rootfs');
  if (rootfs.type !== 'layers') fail(label, `rootfs.type is ${JSON.stringify(rootfs.type)}, not "layers"`);
  if (!isStringArray(rootfs.diff_ids) || !rootfs.diff_ids.every((d) => DIGEST.test(d))) fail(label, 'rootfs.diff_ids must be sha256 digests');
  const body = cfg.config as Record<string, unknown> | undefined | null;
  if (body !== undefined && body !== null) {
    if (typeof body !== 'object' || Array.isArray(body)) fail(label, 'config is not an object');
    for (const k of ['Env', 'Entrypoint', 'Cmd'] as const) {
      if (body[k] !== undefined && body[k] !== null && !isStringArray(body[k])) fail(label, `config.${k} must be a list of strings`);
    }
    for (const k of ['User', 'WorkingDir', 'StopSignal'] as const) {
      if (body[k] !== undefined && typeof body[k] !== 'string') fail(label, `config.${k} must be a string`);
    }
  }
  if (cfg.architecture === undefined) cfg.architecture = '';
  if (cfg.os === undefined) cfg.os = 'linux';
  return cfg as unknown as ImageConfig;
}
