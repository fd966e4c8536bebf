// The shape src/ is built to (DESIGN.md, "Source layout"): dependencies point down only,
// lazy imports included, so no module cycle; and no source file over ~600 lines. The
// module graph is read with the TypeScript parser: static imports, `export ... from`
// and dynamic `import('...')`; type-only imports are erased from the build and do not
// count. A dynamic import whose path is not a literal would hide an edge: refused too.
import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');
const MAX_LINES = 600;
/** Files allowed past MAX_LINES, each with the reason it cannot be split. None today. */
const LONG_FILE_EXCEPTIONS: Record<string, string> = {};

interface Imports {
  /** Module specifiers that load code: static, re-exports and dynamic with a literal path. */
  specifiers: string[];
  /** Dynamic imports whose path is computed (source text of the argument). */
  computed: string[];
}

/** The value imports of one TypeScript source. */
function importsOf(fileName: string, text: string): Imports {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: Imports = { specifiers: [], computed: [] };
  const literal = (n: ts.Node | undefined): string | undefined => (n && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) ? n.text : undefined);
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n)) {
      const c = n.importClause;
      // `import type {..}` and `import { type A, type B }` are erased; `import './x.js'` is not.
      const typeOnly = c !== undefined && (c.isTypeOnly || (c.name === undefined && c.namedBindings !== undefined && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      const spec = literal(n.moduleSpecifier);
      if (!typeOnly && spec !== undefined) out.specifiers.push(spec);
    } else if (ts.isExportDeclaration(n)) {
      const typeOnly = n.isTypeOnly || (n.exportClause !== undefined && ts.isNamedExports(n.exportClause) && n.exportClause.elements.length > 0 && n.exportClause.elements.every((e) => e.isTypeOnly));
      const spec = literal(n.moduleSpecifier);
      if (!typeOnly && spec !== undefined) out.specifiers.push(spec);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = n.arguments[0];
      const spec = literal(arg);
      if (spec !== undefined) out.specifiers.push(spec);
      else out.computed.push(arg ? arg.getText(sf) : '');
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The .ts file a relative specifier names ('./x.js' -> x.ts), or undefined outside the graph. */
function resolveSpecifier(from: string, spec: string, files: Set<string>): string | undefined {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const cand of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]) if (files.has(cand)) return cand;
  return undefined;
}

/** Strongly connected components with more than one file, or a file importing itself. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  // Iterative Tarjan: src/ is deep enough that recursion is best avoided.
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ v: string; i: number }> = [{ v: start, i: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const edges = graph.get(top.v) ?? [];
      if (top.i < edges.length) {
        const w = edges[top.i++]!;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v)!, low.get(top.v)!));
      if (low.get(top.v) === index.get(top.v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== top.v);
        if (comp.length > 1 || edges.includes(top.v)) out.push(comp.sort());
      }
    }
  }
  return out;
}

/** One concrete loop inside a component, for the message: a -> b -> ... -> a. */
function loopIn(graph: Map<string, string[]>, comp: string[]): string[] {
  const inside = new Set(comp);
  const start = comp[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u: string | undefined = v; u !== undefined && u !== start; u = prev.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return comp;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

function lineCount(text: string): number {
  const lines = text.split('\n');
  return text.endsWith('\n') ? lines.length - 1 : lines.length;
}

describe('architecture of src/', () => {
  const files = sourceFiles(SRC);
  const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
  const set = new Set(files);
  const graph = new Map<string, string[]>();
  const computed: string[] = [];
  for (const f of files) {
    const imp = importsOf(f, texts.get(f)!);
    graph.set(f, [...new Set(imp.specifiers.map((s) => resolveSpecifier(f, s, set)).filter((x): x is string => x !== undefined))]);
    for (const c of imp.computed) computed.push(`${relative(SRC, f)}: import(${c})`);
  }
  const rel = (p: string): string => relative(SRC, p);

  it('has no module cycle, lazy imports included', () => {
    const found = cycles(graph).map((c) => `cycle: ${loopIn(graph, c).map(rel).join(' -> ')}${c.length > 2 ? ` (a component of ${c.length} files: ${c.map(rel).join(', ')})` : ''}`);
    expect(found, found.join('\n')).toEqual([]);
  });

  it('imports modules by literal paths only (a computed path would hide an edge)', () => {
    expect(computed, computed.join('\n')).toEqual([]);
  });

  it(`has no source file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => ({ f: rel(f), n: lineCount(texts.get(f)!) }))
      .filter((x) => x.n > MAX_LINES && !(x.f in LONG_FILE_EXCEPTIONS))
      .map((x) => `${x.f}: ${x.n} lines`);
    expect(long, long.join('\n')).toEqual([]);
  });

  it('lists only exceptions that exist and are still long', () => {
    const stale = Object.keys(LONG_FILE_EXCEPTIONS).filter((f) => !existsSync(join(SRC, f)) || lineCount(readFileSync(join(SRC, f), 'utf8')) <= MAX_LINES);
    expect(stale).toEqual([]);
  });
});

describe('the import scan itself', () => {
  it('counts static, re-export and literal dynamic imports, not type-only ones', () => {
    const imp = importsOf(
      'x.ts',
      [
        "import { a } from './a.js';",
        "import type { B } from './b.js';",
        "import { type C } from './c.js';",
        "import { type D, d } from './d.js';",
        "import './e.js';",
        "export { f } from './f.js';",
        "export type { G } from './g.js';",
        "const h = await import('./h.js');",
        'const i = await import(`./i.js`);',
        "type J = import('./j.js').J;",
        "// import('./k.js') in a comment",
        "const l = await import('./' + name);",
      ].join('\n'),
    );
    expect(imp.specifiers).toEqual(['./a.js', './d.js', './e.js', './f.js', './h.js', './i.js']);
    expect(imp.computed).toEqual(["'./' + name"]);
  });

  it('finds a cycle through a lazy edge and names one loop of it', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    const found = cycles(g);
    expect(found).toEqual([['a', 'b', 'c'], ['e']]);
    expect(loopIn(g, found[0]!)).toEqual(['a', 'b', 'c', 'a']);
  });
});
