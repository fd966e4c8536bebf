// Stages of a Containerfile: the ARGs before the first FROM, then one stage per FROM
// (its base, its `AS` name, its instructions). --target picks the last stage to build;
// only the stages it needs (as its base, transitively, or through COPY --from) are built.
import type { Instruction } from './parse.js';
import { ContainerfileError } from './parse.js';
import { expand, type Vars } from './expand.js';
import { TpodError } from '../errors.js';

export interface Stage {
  index: number;
  name?: string | undefined;
  from: Instruction;
  /** The base as written (variables from the global ARGs expanded at plan time). */
  base: string;
  platform?: string | undefined;
  steps: Instruction[];
}

export interface Plan {
  /** ARGs declared before the first FROM. */
  globalArgs: Instruction[];
  stages: Stage[];
}

/** Splits instructions into stages, expanding FROM with the global ARGs (build args win). */
export function planStages(instrs: Instruction[], buildArgs: Vars, file = 'Containerfile'): Plan {
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  const globals = new Map<string, string>();
  for (const i of instrs) {
    if (i.keyword === 'FROM') {
      const expanded = expand(i.args, globals).trim().split(/\s+/);
      const base = expanded[0] ?? '';
      let name: string | undefined;
      if (expanded.length === 3 && expanded[1]!.toUpperCase() === 'AS') name = expanded[2]!.toLowerCase();
      else if (expanded.length !== 1) throw new ContainerfileError(file, i.line, `FROM takes an image and an optional "AS name", not "${i.args}"`);
      if (base === '') throw new ContainerfileError(file, i.line, 'FROM names no image (an ARG it uses is empty)');
      const platform = i.flags.find((f) => f.name === 'platform')?.value;
      stages.push({ index: stages.length, name, from: i, base, platform: platform === undefined ? undefined : expand(platform, globals), steps: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (stage) {
      stage.steps.push(i);
      continue;
    }
    globalArgs.push(i);
    for (const [k, v] of i.pairs ?? []) {
      const given = buildArgs.get(k);
      if (given !== undefined) globals.set(k, given);
      else if (v !== undefined) globals.set(k, expand(v, globals));
    }
  }
  return { globalArgs, stages };
}

/** The stage `ref` (a name or an index) names, if any, before stage `before`. */
export function stageByRef(stages: Stage[], ref: string, before = stages.length): Stage | undefined {
  const lower = ref.toLowerCase();
  const named = stages.find((s) => s.index < before && s.name === lower);
  if (named) return named;
  if (/^\d+$/.test(ref)) {
    const n = Number(ref);
    if (n < before) return stages[n];
  }
  return undefined;
}

/** Which stages a build of `target` (the last stage by default) needs, in order. */
export function stagesToBuild(plan: Plan, target?: string): Stage[] {
  let last = plan.stages[plan.stages.length - 1];
  if (target !== undefined) {
    last = plan.stages.find((s) => s.name === target.toLowerCase());
    if (!last) throw new TpodError('EUSAGE', `the target "${target}" was not found in the provided Containerfile`);
  }
  if (!last) throw new TpodError('EUSAGE', 'no FROM instruction');
  const need = new Set<number>();
  const visit = (s: Stage): void => {
    if (need.has(s.index)) return;
    need.add(s.index);
    const base = stageByRef(plan.stages, s.base, s.index);
    if (base) visit(base);
    for (const i of s.steps) {
      for (const from of stageRefs(i)) {
        const dep = stageByRef(plan.stages, from, s.index);
        if (dep) visit(dep);
      }
    }
  };
  visit(last);
  return plan.stages.filter((s) => need.has(s.index) && s.index <= last.index);
}

/** What a step may take from another stage: COPY/ADD --from, RUN --mount=...,from=. */
function stageRefs(i: Instruction): string[] {
  if (i.keyword === 'COPY' || i.keyword === 'ADD') return i.flags.filter((f) => f.name === 'from' && f.value !== undefined).map((f) => f.value!);
  if (i.keyword !== 'RUN') return [];
  return i.flags.filter((f) => f.name === 'mount').flatMap((f) => (f.value ?? '').split(',').filter((t) => t.startsWith('from=')).map((t) => t.slice(5)));
}
