// A tpod command line being built for a unit (ExecStart=, ExecStop=...). Arguments that
// come from a Quadlet key remember the key and its line, so that a flag this tpod does
// not have is dropped with a warning that names FILE:LINE instead of a unit that fails
// at start.
import type { Diagnostic, Where } from './unit-file.js';
import { joinWords } from './words.js';

interface ArgGroup {
  args: string[];
  /** The flag to check (`--tz`), when the group comes from a key. */
  flag?: string;
  key?: string;
  where?: Where | undefined;
}

/** What the tpod that will run the units can do. */
export interface TpodFeatures {
  hasCommand(path: string[]): boolean;
  hasFlag(path: string[], flag: string): boolean;
}

/** Everything Podman has: for translating without a tpod to ask (tests, docs). */
export const ALL_FEATURES: TpodFeatures = { hasCommand: () => true, hasFlag: () => true };

export class TpodCmdline {
  private readonly pre: ArgGroup[] = [];
  private readonly groups: ArgGroup[] = [];

  constructor(readonly verb: string[]) {}

  /** Global options before the verb (GlobalArgs=, ContainersConfModule=). */
  addGlobal(args: string[], from?: { key: string; where?: Where | undefined }): void {
    if (args.length > 0) this.pre.push({ args, key: from?.key, where: from?.where });
  }

  /** Arguments tpod's units always pass. */
  add(...args: string[]): void {
    if (args.length > 0) this.groups.push({ args });
  }

  /** Arguments from a key: `flag` is checked against the tpod that runs the unit. */
  addFromKey(key: string, where: Where | undefined, ...args: string[]): void {
    const first = args[0];
    if (first === undefined) return;
    const flag = first.startsWith('-') ? first.split('=')[0] : undefined;
    this.groups.push({ args, key, where, ...(flag ? { flag } : {}) });
  }

  /** Arguments taken as they are (PodmanArgs=, IMAGE, Exec=): never filtered. */
  addRaw(args: string[], from?: { key: string; where?: Where | undefined }): void {
    if (args.length > 0) this.groups.push({ args, key: from?.key, where: from?.where });
  }

  /**
   * The words: tpod's own (its path, or node and its script) first. Flags this tpod does not take are dropped and reported.
   */
  words(tpod: string[], features: TpodFeatures, diag?: Diagnostic[]): string[] {
    const out = [...tpod];
    for (const g of this.pre) out.push(...g.args);
    out.push(...this.verb);
    for (const g of this.groups) {
      if (g.flag && !features.hasFlag(this.verb, g.flag)) {
        diag?.push({ where: g.where, message: `${g.key}= needs \`tpod ${this.verb.join(' ')} ${g.flag}\`, which this tpod does not have; ignored` });
        continue;
      }
      out.push(...g.args);
    }
    return out;
  }

  line(tpod: string[], features: TpodFeatures, diag?: Diagnostic[], prefix = ''): string {
    return prefix + joinWords(this.words(tpod, features, diag));
  }
}
