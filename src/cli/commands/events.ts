import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class EventsCommand extends TpodCommand {
  static override paths = [['events'], ['system', 'events']];
  static override usage = Command.Usage({
    description: 'Show tpod events',
    details: `
      Monitors what tpod commands do to containers, pods and images, from the event log
      (Podman's file backend: $XDG_RUNTIME_DIR/tpod/events/events.log, or containers.conf's
      events_logfile_path; events_logfile_max_size bounds it). New events are printed as
      they happen; --since and --until show past ones, and --stream=false ends after them.
      Filters: container=, image=, pod=, volume= (name or ID prefix), event= (or status=),
      type= (container, image, pod, system), label=KEY=VALUE. The same key given twice
      matches either value; different keys must all match.
      --format takes json or a Go template over .ID .Image .Name .Status .Time .Type
      .Attributes .PodID .ContainerExitCode.
    `,
    examples: [
      ['Follow every event', '$0 events'],
      ['Containers started in the last hour', '$0 events --stream=false --since 1h --filter event=start'],
      ['Only names and what happened', "$0 events --format '{{.Name}} {{.Status}}'"],
    ],
  });

  filter = Option.Array('-f,--filter', [], { description: 'Filter output' });
  format = Option.String('--format', { description: 'Format the output using a Go template or json' });
  stream = Option.Boolean('--stream', true, { description: 'Stream new events (--stream=false: print past events and end)' });
  since = Option.String('--since', { description: 'Show all events created since timestamp' });
  until = Option.String('--until', { description: 'Show all events until timestamp' });
  // A string so that --no-trunc=false can say "truncate" (the default is not to).
  noTrunc = Option.String('--no-trunc', { tolerateBoolean: true, description: 'Do not truncate the output (the default; --no-trunc=false truncates IDs)' });

  async execute(): Promise<number> {
    const { readEvents, humanEvent, eventTemplateView } = await import('../../engine/events.js');
    const { parseLogTime } = await import('../../engine/logs.js');
    let print: (e: Parameters<typeof humanEvent>[0]) => void;
    if (this.format !== undefined && this.format !== '') {
      const { isJsonFormat, compileTemplate } = await import('../format.js');
      if (isJsonFormat(this.format)) {
        print = (e) => this.print(JSON.stringify(e));
      } else {
        const tpl = compileTemplate(this.format, { name: 'events' });
        print = (e) => this.print(tpl.execute(eventTemplateView(e)));
      }
    } else {
      const { parseBoolFlag } = await import('../argv.js');
      const noTrunc = this.noTrunc === undefined || this.noTrunc === true || parseBoolFlag(String(this.noTrunc), '--no-trunc', 'tpod events');
      print = (e) => this.print(humanEvent(e, !noTrunc));
    }
    const stop = new Promise<void>((resolve) => {
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => resolve());
    });
    await readEvents(this.ctx, {
      filters: this.filter,
      ...(this.since !== undefined ? { since: parseLogTime(this.since, '--since') } : {}),
      ...(this.until !== undefined ? { until: parseLogTime(this.until, '--until') } : {}),
      stream: this.stream,
      onEvent: print,
      stop,
    });
    return 0;
  }
}
