// `tpod auto-update`: for each systemd unit running containers with an auto-update
// policy, find out whether a newer image exists (registry: the registry's manifest
// digest differs from the stored image's; local: the container's image name now points
// to another stored image), pull it (registry), and restart the unit once. A unit that
// does not come back active is rolled back: the previous image gets its name again and
// the unit is restarted once more. Everything that touches the host (containers,
// images, the registry, pulls, systemctl) comes in through AutoUpdateDeps.
import type { PullReporter } from '../image/pull-progress.js';
import type { Context } from '../engine/context.js';
import { TpodError } from '../errors.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { StoredImage } from '../image/store.js';
import { formatReference, type Reference } from '../image/reference.js';
import { describeContainer, findTasks, type Task } from './discover.js';
import type { Policy } from './policy.js';
import { restartUnit, type RestartOptions, type UnitManager } from './systemctl.js';

export interface AutoUpdateOptions {
  /** --authfile (a container's io.containers.autoupdate.authfile label wins). */
  authfile?: string | undefined;
  /** --tls-verify; undefined: registries.conf decides. */
  tlsVerify?: boolean | undefined;
  /** Only say what would be updated ("pending"). */
  dryRun: boolean;
  /** Go back to the previous image when the unit does not restart (default true). */
  rollback: boolean;
}

export type UpdateStatus = 'true' | 'false' | 'pending' | 'failed' | 'rolled back';

export interface AutoUpdateReport {
  containerId: string;
  containerName: string;
  /** The image as the container names it. */
  image: string;
  policy: Policy;
  unit: string;
  updated: UpdateStatus;
}

export interface RegistryAccess {
  authfile?: string | undefined;
  tlsVerify?: boolean | undefined;
}

export interface AutoUpdateDeps {
  records(): ContainerRecord[];
  running(rec: ContainerRecord): boolean;
  images(): Promise<StoredImage[]>;
  /** The image a name points to in the store now (local policy). */
  resolve(images: StoredImage[], name: string): { image: StoredImage; name?: string } | undefined;
  remoteDiffers(local: StoredImage, ref: Reference, o: RegistryAccess): Promise<boolean>;
  /** Pulls a name; resolves to the image ID. */
  pull(name: string, o: RegistryAccess): Promise<string>;
  /** Gives an image (by ID) a name, taking it from whichever image has it. */
  tag(imageId: string, name: string): Promise<void>;
  units: UnitManager;
  /** false when the units are the system manager's (tpod running as root). */
  userManager?: boolean;
  restartOptions?: RestartOptions;
  warn(msg: string): void;
}

export interface AutoUpdateResult {
  reports: AutoUpdateReport[];
  errors: TpodError[];
}

interface Job {
  task: Task;
  report: AutoUpdateReport;
  /** The image the container runs, to go back to. */
  previousId: string;
  /** The name that moves to the new image (and back on rollback). */
  name?: string;
}

function fail(err: unknown, context: string): TpodError {
  const e = err as Error;
  return new TpodError(err instanceof TpodError ? err.code : 'EINTERNAL', `${context}: ${e?.message ?? String(err)}`, { cause: err });
}

/**
 * Runs auto-update. Per-container problems are collected in `errors`; only a systemd
 * that does not answer (when there is something to restart) is thrown.
 */
export async function autoUpdate(opts: AutoUpdateOptions, deps: AutoUpdateDeps): Promise<AutoUpdateResult> {
  const found = findTasks(deps.records(), (r) => deps.running(r));
  const errors = [...found.errors];
  const reports: AutoUpdateReport[] = [];
  if (found.tasks.length === 0) return { reports, errors };

  // As Podman, which connects to systemd before anything else: no pull that nothing could use.
  if (!opts.dryRun) {
    const why = await deps.units.ping();
    if (why !== undefined) {
      throw new TpodError('ERUNTIME', `auto-update restarts the systemd units that run the containers, but the ${deps.userManager === false ? 'system' : 'user'} manager does not answer (systemctl: ${why})`);
    }
  }
  const images = await deps.images();
  const byId = new Map(images.map((i) => [i.id, i]));
  // One registry question and one pull per name and auth file, however many units use it.
  const checks = new Map<string, Promise<boolean>>();
  const pulls = new Map<string, Promise<string>>();

  const units = new Map<string, Task[]>();
  for (const t of found.tasks) units.set(t.unit, [...(units.get(t.unit) ?? []), t]);

  for (const [unit, tasks] of units) {
    const jobs: Job[] = [];
    for (const task of tasks) {
      const c = task.container;
      const report: AutoUpdateReport = { containerId: c.id, containerName: c.name, image: task.rawName, policy: task.policy, unit, updated: 'failed' };
      reports.push(report);
      const job: Job = { task, report, previousId: c.imageId };
      try {
        const local = byId.get(c.imageId);
        if (!local) throw new TpodError('ENOIMAGE', `container image ID "${c.imageId}" not found in local storage`);
        let newer: boolean;
        if (task.policy === 'registry') {
          const ref = task.ref!;
          job.name = formatReference(ref);
          const access = { authfile: task.authfile ?? opts.authfile, tlsVerify: opts.tlsVerify };
          const key = `${job.name}|${local.id}|${access.authfile ?? ''}`;
          let check = checks.get(key);
          if (!check) {
            check = deps.remoteDiffers(local, ref, access);
            checks.set(key, check);
          }
          newer = await check.catch((err: unknown) => {
            throw fail(err, `registry auto-updating container ${describeContainer(c)}: image check for "${task.rawName}" failed`);
          });
        } else {
          const now = deps.resolve(images, task.rawName);
          if (!now) throw new TpodError('ENOIMAGE', `locally auto-updating container ${describeContainer(c)}: image check for "${task.rawName}" failed: ${task.rawName}: image not known`);
          job.name = now.name ?? task.rawName;
          newer = now.image.id !== c.imageId;
        }
        report.updated = newer ? 'pending' : 'false';
        if (newer) jobs.push(job);
      } catch (err) {
        errors.push(err instanceof TpodError ? err : fail(err, `auto-updating container ${describeContainer(c)}`));
      }
    }
    if (opts.dryRun || jobs.length === 0) continue;

    // Registry images come down before the unit is touched; a failed pull leaves it alone.
    const ready: Job[] = [];
    for (const job of jobs) {
      if (job.task.policy === 'registry') {
        const access = { authfile: job.task.authfile ?? opts.authfile, tlsVerify: opts.tlsVerify };
        const key = `${job.name!}|${access.authfile ?? ''}`;
        let pull = pulls.get(key);
        if (!pull) {
          pull = deps.pull(job.name!, access);
          pulls.set(key, pull);
        }
        try {
          const id = await pull;
          // Another manifest for the same image (say, recompressed): nothing to restart for.
          if (id === job.previousId) {
            job.report.updated = 'false';
            continue;
          }
        } catch (err) {
          job.report.updated = 'failed';
          errors.push(fail(err, `registry auto-updating container ${describeContainer(job.task.container)}: image update for "${job.task.rawName}" failed`));
          continue;
        }
      }
      ready.push(job);
    }
    if (ready.length === 0) continue;

    const why = await restartUnit(deps.units, unit, deps.restartOptions);
    if (why === undefined) {
      for (const j of ready) j.report.updated = 'true';
      continue;
    }
    if (!opts.rollback) {
      for (const j of ready) j.report.updated = 'failed';
      errors.push(new TpodError('ERUNTIME', `restarting unit "${unit}" with the new image failed: ${why}`));
      continue;
    }
    // Back to the previous image: it gets its name again, and the unit another restart.
    const rolled: Job[] = [];
    for (const j of ready) {
      try {
        await deps.tag(j.previousId, j.name!);
        rolled.push(j);
      } catch (err) {
        j.report.updated = 'failed';
        errors.push(fail(err, `restarting unit "${unit}" with the new image failed (${why}); giving "${j.name!}" back to image ${j.previousId.slice(0, 12)} failed`));
      }
    }
    const again = await restartUnit(deps.units, unit, deps.restartOptions);
    if (again === undefined) {
      for (const j of rolled) j.report.updated = 'rolled back';
      deps.warn(`unit "${unit}" did not restart with the new image (${why}); rolled back to the previous image`);
    } else {
      for (const j of rolled) j.report.updated = 'failed';
      errors.push(new TpodError('ERUNTIME', `restarting unit "${unit}" with the new image failed (${why}), and restarting it with the previous image during rollback failed too: ${again}`));
    }
  }
  return { reports, errors };
}

/** The real host: container records, the image store, the registry, pulls (progress to REPORTER, as `tpod pull`), systemctl. */
export async function hostDeps(ctx: Context, reporter?: PullReporter): Promise<AutoUpdateDeps & { close(): void }> {
  const { listContainers } = await import('../storage/containers.js');
  const { liveState } = await import('../engine/state.js');
  const { listImages, resolveImage, tagImage } = await import('../image/store.js');
  const { pullNow } = await import('../image/pull-policy.js');
  const { closeAgents } = await import('../image/registry/http.js');
  const { RemoteChecker } = await import('./remote.js');
  const { systemctlRunner, unitManager } = await import('./systemctl.js');
  const checker = new RemoteChecker(ctx);
  return {
    records: () => listContainers(ctx),
    running: (rec) => liveState(ctx, rec).status === 'running',
    images: () => listImages(ctx),
    resolve: (images, name) => resolveImage(images, name),
    remoteDiffers: (local, ref, o) => checker.differs(local, ref, o),
    pull: (name, o) => pullNow(ctx, name, { policy: 'always', tlsVerify: o.tlsVerify, authfile: o.authfile, ...(reporter ? { reporter } : {}) }),
    tag: async (id, name) => {
      await tagImage(ctx, id, [name]);
    },
    units: unitManager(systemctlRunner({ user: ctx.uid !== 0, env: ctx.host.env })),
    userManager: ctx.uid !== 0,
    warn: (m) => ctx.log.warn(m),
    close: () => closeAgents(),
  };
}
