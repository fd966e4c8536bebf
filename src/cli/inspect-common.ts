// Shared by `tpod inspect` and `tpod container inspect`: look each name up, collect what
// was found, print it as Podman does (a JSON array indented by 5, or the template once
// per object), then fail for the names that were not found. printInspected is also
// image inspect's and pod inspect's printer.
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';

export type InspectType = 'container' | 'image' | 'all';

export interface InspectRequest {
  names: string[];
  type: InspectType;
  size: boolean;
  latest: boolean;
  format?: string | undefined;
}

/** Runs the lookups and prints; returns the exit code or throws the last failure. */
export async function runInspect(ctx: Context, req: InspectRequest, print: (text: string) => void): Promise<number> {
  const { UsageError } = await import('../errors.js');
  const { findContainer, listContainers } = await import('../storage/containers.js');
  const { viewOf } = await import('../engine/ps.js');
  const { inspectContainer } = await import('../engine/container-inspect.js');
  if (req.latest && req.names.length > 0) throw new UsageError('--latest and containers cannot be used together');
  if (!req.latest && req.names.length === 0) throw new UsageError('no names or ids specified');
  let names = req.names;
  if (req.latest) {
    const all = listContainers(ctx);
    const newest = all[all.length - 1];
    if (!newest) throw new TpodError('ENOCONTAINER', 'no containers to inspect: no such container');
    names = [newest.id];
  }
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const name of names) {
    if (req.type !== 'image') {
      try {
        found.push(await inspectContainer(ctx, viewOf(ctx, findContainer(ctx, name)), { size: req.size }));
        continue;
      } catch (err) {
        if (!(err instanceof TpodError) || err.code !== 'ENOCONTAINER') throw err;
        if (req.type === 'container') {
          errors.push(`no such container ${name}`);
          continue;
        }
      }
    }
    const store = await import('../image/store.js');
    const { inspectImage } = await import('../image/inspect.js');
    try {
      found.push(await inspectImage(ctx, await store.findImage(ctx, name)));
    } catch (err) {
      if (!(err instanceof TpodError) || err.code !== 'ENOIMAGE') throw err;
      errors.push(req.type === 'image' ? `${name}: image not known` : `no such object: "${name}"`);
    }
  }
  await printInspected(found, req.format, print);
  if (errors.length === 0) return 0;
  for (const e of errors.slice(0, -1)) process.stderr.write(`Error: inspecting object: ${e}\n`);
  throw new TpodError(req.type === 'image' ? 'ENOIMAGE' : 'ENOCONTAINER', `inspecting object: ${errors[errors.length - 1]}`);
}

/** Prints inspect results as Podman does: a JSON array indented by 5, or FORMAT once per object. */
export async function printInspected(found: unknown[], format: string | undefined, print: (text: string) => void): Promise<void> {
  const { goJsonIndent, isJsonFormat, compileTemplate, withTemplateFields } = await import('./format.js');
  if (format === undefined || format === '' || isJsonFormat(format)) {
    print(goJsonIndent(found, 5));
  } else {
    const tpl = compileTemplate(format, { name: 'inspect' });
    for (const f of found) {
      // Podman's structs call the JSON "Id" field ID ({{.ID}}); both work here.
      const obj = f as { Id?: unknown; ID?: unknown };
      if (obj && typeof obj === 'object' && 'Id' in obj && !('ID' in obj)) withTemplateFields(obj, { ID() { return this.Id; } });
      print(tpl.execute(f));
    }
  }
}
