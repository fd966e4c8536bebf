// How a pull shows its progress on stderr: bars on a terminal, Podman's lines otherwise,
// nothing with --quiet. Shared by `pull` and by run/create when they pull.
import type { PullReporter } from '../image/pull-progress.js';

export async function pullReporter(quiet: boolean): Promise<PullReporter> {
  const { LineReporter, TtyReporter, silentReporter } = await import('../image/pull-progress.js');
  if (quiet) return silentReporter;
  const err = process.stderr;
  return err.isTTY ? new TtyReporter((s) => err.write(s), () => err.columns || 80) : new LineReporter((s) => err.write(s));
}
