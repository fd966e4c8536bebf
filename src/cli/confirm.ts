// A y/N question on stderr answered on stdin, as Podman's prune commands ask it. No
// answer at all (stdin at its end) is an error, "EOF", as in Podman.
import { TpodError } from '../errors.js';

export async function confirm(question: string): Promise<boolean> {
  process.stderr.write(question);
  const line = await new Promise<string | undefined>((resolve) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(buf.slice(0, nl));
    };
    const onEnd = (): void => finish(buf === '' ? undefined : buf);
    const finish = (v: string | undefined): void => {
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.pause();
      resolve(v);
    };
    process.stdin.on('data', onData);
    process.stdin.on('end', onEnd);
  });
  if (line === undefined) throw new TpodError('EUSAGE', 'EOF');
  return /^y(es)?$/i.test(line.trim());
}
