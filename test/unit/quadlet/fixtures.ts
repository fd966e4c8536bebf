// Quadlet files from strings, generated with a stand-in tpod path.
import { ALL_FEATURES, type TpodFeatures } from '../../../src/quadlet/cmdline.js';
import { generateUnits, type GenerateResult } from '../../../src/quadlet/generate.js';
import { UnitFile } from '../../../src/quadlet/unit-file.js';
import { splitWords } from '../../../src/quadlet/words.js';

export const TPOD = '/usr/local/bin/tpod';

export function gen(files: Record<string, string>, features: TpodFeatures = ALL_FEATURES, dir = '/q'): GenerateResult {
  const units = Object.entries(files).map(([name, text]) => UnitFile.parse(text, `${dir}/${name}`));
  return generateUnits(units, { tpod: [TPOD], features });
}

/** The generated unit of that name, as a model. */
export function unitOf(r: GenerateResult, name: string): UnitFile {
  const u = r.units.find((x) => x.name === name);
  if (!u) throw new Error(`no ${name} generated; errors: ${r.errors.map((e) => e.message).join('; ')}`);
  return UnitFile.parse(u.text, name);
}

/** The words of a command line key (ExecStart=...), without tpod's path. */
export function argsOf(unit: UnitFile, key: string, section = 'Service'): string[] {
  const v = unit.lookup(section, key);
  if (v === undefined) throw new Error(`no ${key}=`);
  const words = splitWords(v.replace(/^-/, ''), { unquote: true, cunescape: true });
  if (words[0] !== TPOD) throw new Error(`${key}= does not start with tpod: ${v}`);
  return words.slice(1);
}

/** A tpod without some commands or flags. */
export function featuresWithout(commands: string[], flags: string[] = []): TpodFeatures {
  return {
    hasCommand: (p) => !commands.includes(p.join(' ')),
    hasFlag: (p, f) => !commands.includes(p.join(' ')) && !flags.includes(f),
  };
}
