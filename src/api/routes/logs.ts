// GET /containers/{id}/logs: the container's log file through the engine's reader, as
// frames (no terminal) or raw (terminal); with follow, until the container exits or the
// client goes away.
import type { ApiCall, Route } from '../http.js';
import { ApiError } from '../errors.js';
import type { LogsOptions } from '../../engine/logs.js';
import { StreamOut, STDERR, STDOUT, streamContentType } from '../stream-frames.js';

/** Docker's since/until: Unix seconds, with an optional fraction; 0 or absent: none. */
export function unixTimeNs(text: string | null, name: string): bigint | undefined {
  if (text === null || text === '') return undefined;
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!m) throw new ApiError(400, `query parameter ${name}: "${text}" is not a Unix time`);
  const ns = BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
  return ns === 0n ? undefined : ns;
}

/** Docker's logs query -> the engine's options. */
export function logsOptionsFromQuery(q: URLSearchParams, flag: (name: string) => boolean): LogsOptions & { stdout: boolean; stderr: boolean } {
  const stdout = flag('stdout');
  const stderr = flag('stderr');
  if (!stdout && !stderr) throw new ApiError(400, 'Bad parameters: you must choose at least one stream');
  const tailText = q.get('tail');
  let tail: number | undefined;
  if (tailText !== null && tailText !== '' && tailText !== 'all') {
    if (!/^-?\d+$/.test(tailText)) throw new ApiError(400, `query parameter tail: "${tailText}" is not a number or "all"`);
    tail = Number(tailText);
  }
  const since = unixTimeNs(q.get('since'), 'since');
  const until = unixTimeNs(q.get('until'), 'until');
  return {
    stdout,
    stderr,
    follow: flag('follow'),
    timestamps: flag('timestamps'),
    ...(tail !== undefined && tail >= 0 ? { tail } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  };
}

async function logs(call: ApiCall): Promise<void> {
  const { findContainer } = await import('../../storage/containers.js');
  const { containerLogs } = await import('../../engine/logs.js');
  const rec = findContainer(call.ctx, call.param('id'));
  const o = logsOptionsFromQuery(call.query, (n) => call.flag(n));
  if (rec.logDriver === 'none' || rec.logDriver === 'passthrough') throw new ApiError(501, `configured logging driver does not support reading`);
  const out = new StreamOut(call.stream(200, streamContentType(rec.tty, call.version)), !rec.tty);
  try {
    await containerLogs(call.ctx, rec, { ...o, signal: call.signal }, {
      stdout: (text) => (o.stdout ? out.write(STDOUT, text) : true),
      stderr: (text) => (o.stderr ? out.write(STDERR, text) : true),
      drained: () => out.drained(),
    });
  } finally {
    out.end();
  }
}

export const logRoutes: Route[] = [{ method: 'GET', path: '/containers/:id/logs', handler: logs }];
