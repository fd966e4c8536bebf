// Which Containerfiles a build reads, as Podman finds them: -f paths relative to the
// working directory, else to the context directory; none given: the context's
// Containerfile, else its Dockerfile. Several -f files are read as one, in order.
import { basename, isAbsolute, join, resolve } from 'node:path';
import { TpodError } from '../errors.js';

export type ContainerfileSource = { kind: 'stdin' } | { kind: 'file'; path: string };

export function containerfileSources(files: string[], contextDir: string, cwd: string, exists: (p: string) => boolean): ContainerfileSource[] {
  if (files.length === 0) {
    const found = ['Containerfile', 'Dockerfile'].map((f) => join(contextDir, f)).find(exists);
    return [{ kind: 'file', path: found ?? join(contextDir, 'Dockerfile') }];
  }
  return files.map((f): ContainerfileSource => {
    if (f === '-') return { kind: 'stdin' };
    if (isAbsolute(f)) return { kind: 'file', path: f };
    const fromCwd = resolve(cwd, f);
    if (exists(fromCwd)) return { kind: 'file', path: fromCwd };
    return { kind: 'file', path: join(contextDir, f) };
  });
}

/** The text of all sources joined (each starts on a line of its own) and the name errors give it (the first's). */
export function readContainerfiles(sources: ContainerfileSource[], readStdin: () => string, read: (p: string) => string): { text: string; name: string } {
  const texts = sources.map((s) => {
    if (s.kind === 'stdin') return readStdin();
    try {
      return read(s.path);
    } catch {
      throw new TpodError('EUSAGE', `no Containerfile or Dockerfile specified or found in context directory, ${s.path}: no such file or directory`);
    }
  });
  const first = sources[0];
  const name = first === undefined || first.kind === 'stdin' ? 'Containerfile' : basename(first.path);
  return { text: texts.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join(''), name };
}

/** A boolean as Go's strconv.ParseBool reads it (--layers=1, BUILDAH_LAYERS=false). */
export function parseGoBool(v: string, what: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new TpodError('EUSAGE', `invalid argument "${v}" for "${what}": strconv.ParseBool: parsing "${v}": invalid syntax`);
}
