// Per-item reports of commands on several containers (rm, prune): what succeeded is
// printed, each failure is said, and the exit code is Podman's for the worst of them.
import { TpodError } from '../errors.js';

/** Prints what was removed, then each failure; exit 1 for a missing container, 2 for a running one. */
export function reportRemovals(reports: Array<{ input: string; error?: Error & { exitCode?: number } }>, print: (t: string) => void): number {
  const done = reports.filter((r) => !r.error).map((r) => r.input);
  if (done.length > 0) print(done.join('\n'));
  const failed = reports.filter((r) => r.error);
  if (failed.length === 0) return 0;
  for (const f of failed.slice(0, -1)) process.stderr.write(`Error: ${f.error!.message}\n`);
  // Podman: "no such container" wins, then "state improper", else the engine's 125.
  const codes = failed.map((f) => f.error!.exitCode ?? 125);
  const code = codes.includes(1) ? 1 : codes.includes(2) ? 2 : 125;
  const last = failed[failed.length - 1]!.error!;
  throw new TpodError(last instanceof TpodError ? last.code : 'EINTERNAL', last.message, { exitCode: code });
}
