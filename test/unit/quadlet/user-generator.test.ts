// The systemd user generator script (src/quadlet/user-generator.sh) as install.sh fills
// it in, run against a stand-in tpod that records its arguments.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src/quadlet/user-generator.sh');
let root: string;
let generator: string;
let fake: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tpod-usergen-'));
  fake = join(root, 'bin', 'tpod');
  mkdirSync(dirname(fake));
  writeFileSync(fake, `#!/bin/sh\necho "$@" > ${root}/args\necho "$PATH" > ${root}/path\n`);
  chmodSync(fake, 0o755);
  generator = join(root, 'tpod-user-generator');
  writeFileSync(generator, readFileSync(script, 'utf8').replaceAll('@TPOD@', `'${fake}'`).replaceAll('@NODE_DIR@', "'/opt/node/bin'"));
  chmodSync(generator, 0o755);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const runGen = (env: NodeJS.ProcessEnv) => spawnSync(generator, ['/out/normal', '/out/early', '/out/late'], { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8' });

describe('tpod-user-generator', () => {
  it('exits at once, without starting tpod, when the user has no Quadlet directory', () => {
    const r = runGen({ HOME: join(root, 'home'), XDG_RUNTIME_DIR: join(root, 'run') });
    expect(r.status).toBe(0);
    expect(existsSync(join(root, 'args'))).toBe(false);
  });
  it("runs tpod's generation with the output directories, the tpod path and node on PATH", () => {
    mkdirSync(join(root, 'home', '.config', 'containers', 'systemd'), { recursive: true });
    const r = runGen({ HOME: join(root, 'home') });
    expect(r.status).toBe(0);
    expect(readFileSync(join(root, 'args'), 'utf8').trim()).toBe(`quadlet generate --user --tpod ${fake} /out/normal /out/early /out/late`);
    expect(readFileSync(join(root, 'path'), 'utf8').trim()).toBe('/opt/node/bin:/usr/bin:/bin');
  });
  it('follows XDG_CONFIG_HOME and XDG_RUNTIME_DIR', () => {
    mkdirSync(join(root, 'run', 'containers', 'systemd'), { recursive: true });
    expect(runGen({ HOME: join(root, 'home'), XDG_RUNTIME_DIR: join(root, 'run') }).status).toBe(0);
    expect(existsSync(join(root, 'args'))).toBe(true);
    rmSync(join(root, 'args'));
    mkdirSync(join(root, 'cfg', 'containers', 'systemd'), { recursive: true });
    expect(runGen({ HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'cfg') }).status).toBe(0);
    expect(existsSync(join(root, 'args'))).toBe(true);
  });
  it('does nothing once tpod is uninstalled', () => {
    mkdirSync(join(root, 'home', '.config', 'containers', 'systemd'), { recursive: true });
    rmSync(fake);
    expect(runGen({ HOME: join(root, 'home') }).status).toBe(0);
  });
});
