// tpod's systemd user units (contrib/systemd/user: tpod.socket, tpod.service.in), written
// with the path of the tpod to run, for install.sh and the e2e tests alike:
//   node scripts/user-units.mjs TPOD DIR     writes DIR/tpod.socket and DIR/tpod.service
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const contrib = fileURLToPath(new URL('../contrib/systemd/user/', import.meta.url));

/**
 * A path as one word of an Exec= line: quoted when it has blanks or quotes, with systemd's
 * specifier (%) and variable ($) characters doubled so they stay literal.
 */
export function execPath(path) {
  const lit = path.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /[\s"'\\]/.test(lit) ? `"${lit.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : lit;
}

/** { 'tpod.socket': text, 'tpod.service': text } for the tpod at TPOD (an absolute path). */
export function userUnits(tpod) {
  if (!tpod.startsWith('/')) throw new Error(`user-units: ${tpod} is not an absolute path`);
  return {
    'tpod.socket': readFileSync(join(contrib, 'tpod.socket'), 'utf8'),
    'tpod.service': readFileSync(join(contrib, 'tpod.service.in'), 'utf8').replaceAll('@@TPOD@@', execPath(tpod)),
  };
}

/** Writes the units into DIR (each through a temporary file and a rename); returns their paths. */
export function writeUserUnits(tpod, dir) {
  mkdirSync(dir, { recursive: true });
  return Object.entries(userUnits(tpod)).map(([name, text]) => {
    const p = join(dir, name);
    writeFileSync(`${p}.new.${process.pid}`, text, { mode: 0o644 });
    renameSync(`${p}.new.${process.pid}`, p);
    return p;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [tpod, dir] = process.argv.slice(2);
  if (!tpod || !dir) {
    process.stderr.write('usage: node scripts/user-units.mjs TPOD DIR\n');
    process.exit(2);
  }
  for (const p of writeUserUnits(tpod, dir)) process.stdout.write(`${p}\n`);
}
