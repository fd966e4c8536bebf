// `tpod pod logs`: the logs of a pod's containers, read from their k8s-file logs as `logs`
// reads them (src/engine/logs.ts). Without -f the lines of every member are merged in
// time order; with -f each member is followed as it writes. As in Podman, lines carry
// the container's short ID (or name with --names) when the pod has several containers,
// the infra counted, and none with -c. The infra's own log (always empty) is not read,
// so -f ends once every other member has exited.
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import { containerLogs, renderLogLine, selectEntries, type LogSink, type LogsOptions } from '../engine/logs.js';
import { entryTimeNs, logLines, type LogEntry } from '../monitor/log-file.js';
import { logPath } from '../engine/state.js';
import type { ContainerRecord } from '../storage/containers.js';
import { readFileSync } from 'node:fs';

export interface PodLogsTargets {
  targets: ContainerRecord[];
  prefix?: 'id' | 'name';
}

/** Which members are read and how their lines are told apart. */
export function podLogTargets(members: ContainerRecord[], podArg: string, o: { container?: string | undefined; names: boolean }): PodLogsTargets {
  if (o.container !== undefined) {
    const hit = members.find((m) => m.id === o.container || m.name === o.container);
    if (!hit) throw new TpodError('ENOCONTAINER', `container ${o.container} is not in pod ${podArg}: no such container`);
    return { targets: hit.isInfra ? [] : [hit] };
  }
  const targets = members.filter((m) => !m.isInfra);
  if (members.length <= 1) return { targets };
  return { targets, prefix: o.names ? 'name' : 'id' };
}

function readLog(ctx: Context, rec: ContainerRecord): string {
  try {
    return readFileSync(rec.logPath ?? logPath(ctx, rec.id), 'utf8');
  } catch {
    return ''; // never started, or --log-driver none
  }
}

/** Every member's selected lines (--tail applies per container), merged by time; stable among equals. */
export function mergedEntries(logs: Array<{ rec: ContainerRecord; text: string }>, o: Pick<LogsOptions, 'since' | 'until' | 'tail'>): Array<{ rec: ContainerRecord; entry: LogEntry }> {
  const all: Array<{ rec: ContainerRecord; entry: LogEntry; t: bigint; i: number }> = [];
  let i = 0;
  for (const { rec, text } of logs) {
    for (const entry of selectEntries(logLines(text), o)) all.push({ rec, entry, t: entryTimeNs(entry.time) ?? 0n, i: i++ });
  }
  all.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.i - b.i));
  return all.map(({ rec, entry }) => ({ rec, entry }));
}

export async function podLogs(ctx: Context, t: PodLogsTargets, o: LogsOptions, sink: LogSink): Promise<void> {
  const opts: LogsOptions = { ...o };
  if (t.prefix) opts.prefix = t.prefix;
  else delete opts.prefix;
  if (o.follow) {
    await Promise.all(t.targets.map((r) => containerLogs(ctx, r, opts, sink)));
    return;
  }
  for (const { rec, entry } of mergedEntries(t.targets.map((rec) => ({ rec, text: readLog(ctx, rec) })), opts)) {
    const text = renderLogLine(rec, entry, opts);
    if (entry.stream === 'stderr') sink.stderr(text);
    else sink.stdout(text);
  }
}
