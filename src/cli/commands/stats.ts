import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

const DEFAULT = '{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}\t{{.CPU}}\t{{.AVGCPU}}';

export class StatsCommand extends TpodCommand {
  static override paths = [['stats'], ['container', 'stats']];
  static override usage = Command.Usage({
    description: 'Display a live stream of container resource usage statistics',
    details: `
      Reads each container's cgroup v2 files (memory.current, cpu.stat, pids.current). That
      needs cgroup v2 delegated to the user; elsewhere (cgroup v1 or hybrid hosts) the command
      says why it cannot and exits 125, as Podman does.
    `,
    examples: [['One snapshot of every running container', '$0 stats --no-stream']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Show all containers (default shows just running)' });
  noStream = Option.Boolean('--no-stream', false, { description: 'Disable streaming stats and only pull the first result' });
  noReset = Option.Boolean('--no-reset', false, { description: 'Disable resetting the screen between intervals' });
  format = Option.String('--format', { description: 'Pretty-print container statistics to JSON or using a Go template' });
  interval = Option.String('-i,--interval', '5', { description: 'Time in seconds between stats reports' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Act on the latest container tpod is aware of' });
  names = Option.Rest({ name: 'container' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (!/^\d+$/.test(this.interval) || Number(this.interval) < 1) throw new UsageError('invalid interval, must be a positive number greater zero');
    const { detectCgroupLayout } = await import('../../runtime/runtime.js');
    const { requireContainerCgroup, readCgroupStats } = await import('../../engine/cgroups.js');
    const layout = detectCgroupLayout();
    // Said before looking at any container, as Podman does on such hosts.
    if (layout.mode !== 'v2') requireContainerCgroup('stats', '', undefined, undefined, layout);
    const { findContainer, listContainers } = await import('../../storage/containers.js');
    const { liveState } = await import('../../engine/state.js');
    const { printList } = await import('../table.js');
    const { bytesSize } = await import('../../util/units.js');
    const ctx = this.ctx;
    const pick = () => {
      if (this.names.length > 0) return this.names.map((n) => findContainer(ctx, n));
      const all = listContainers(ctx);
      if (this.latest) return all.slice(-1);
      return all.filter((r) => liveState(ctx, r).status === 'running');
    };
    const prev = new Map<string, { cpu: number; at: number }>();
    for (;;) {
      const rows = pick().map((rec) => {
        const ls = liveState(ctx, rec);
        const cg = requireContainerCgroup('stats', rec.id, ls.pid);
        const s = readCgroupStats(cg.dir);
        const now = Date.now();
        const before = prev.get(rec.id);
        prev.set(rec.id, { cpu: s.cpuUsec, at: now });
        const started = ls.startedAt ? Date.parse(ls.startedAt) : now;
        const pct = (num: number, den: number): string => `${den > 0 ? ((num / den) * 100).toFixed(2) : '0.00'}%`;
        const cpuNow = before ? pct(s.cpuUsec - before.cpu, (now - before.at) * 1000) : pct(s.cpuUsec, (now - started) * 1000);
        return {
          ID: rec.id.slice(0, 12),
          ContainerID: rec.id,
          Name: rec.name,
          CPUPerc: cpuNow,
          MemUsage: `${bytesSize(s.memoryBytes)} / ${s.memoryLimit === undefined ? 'max' : bytesSize(s.memoryLimit)}`,
          MemPerc: s.memoryLimit ? pct(s.memoryBytes, s.memoryLimit) : '--',
          NetIO: '-- / --',
          BlockIO: '-- / --',
          PIDs: String(s.pids),
          CPU: `${(s.cpuUsec / 1e6).toFixed(6)}s`,
          AVGCPU: pct(s.cpuUsec, (now - started) * 1000),
        };
      });
      if (!this.noStream && !this.noReset && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
      printList(rows, { format: this.format, defaultFormat: DEFAULT, headers: { ID: 'ID', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET IO', BlockIO: 'BLOCK IO', PIDs: 'PIDS', CPU: 'CPU TIME', AVGCPU: 'AVG CPU %' }, name: 'stats' });
      if (this.noStream) return 0;
      await new Promise((r) => setTimeout(r, Number(this.interval) * 1000));
    }
  }
}
