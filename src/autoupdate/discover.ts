// Which containers auto-update looks at: running ones whose auto-update label asks for
// a policy, each with the systemd unit that runs it (the PODMAN_SYSTEMD_UNIT label
// create recorded; a pod member's is its infra container's, since the pod's unit is
// what restarts it). A bad label is an error naming the container; the others go on.
import { TpodError } from '../errors.js';
import { containerLabels } from '../engine/container-filters.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { Reference } from '../image/reference.js';
import { AUTHFILE_LABEL, AUTOUPDATE_LABEL, UNIT_LABEL, lookupPolicy, registryReference, type Policy } from './policy.js';

export interface Task {
  container: Pick<ContainerRecord, 'id' | 'name' | 'image' | 'imageId'>;
  policy: Policy;
  unit: string;
  /** The image as the container was created with it (what Podman calls the raw name). */
  rawName: string;
  /** registry policy: the name qualified for the registry. */
  ref?: Reference;
  /** From the io.containers.autoupdate.authfile label (wins over --authfile). */
  authfile?: string;
}

export interface Discovery {
  tasks: Task[];
  errors: TpodError[];
}

export function describeContainer(c: Pick<ContainerRecord, 'id' | 'name'>): string {
  return `"${c.name}" (${c.id.slice(0, 12)})`;
}

function withContainer(c: Pick<ContainerRecord, 'id' | 'name'>, err: unknown): TpodError {
  const msg = `auto-updating container ${describeContainer(c)}: ${(err as Error).message ?? String(err)}`;
  return new TpodError(err instanceof TpodError ? err.code : 'EINTERNAL', msg, { cause: err });
}

/** The unit that restarts a container: its pod's (the infra container's label), else its own. */
function unitOf(rec: ContainerRecord, labels: Record<string, string>, all: ContainerRecord[]): string | undefined {
  if (rec.pod !== undefined && !rec.isInfra) {
    const infra = all.find((r) => r.isInfra && r.pod === rec.pod);
    const podUnit = infra ? containerLabels(infra)[UNIT_LABEL] : undefined;
    if (podUnit) return podUnit;
  }
  const u = labels[UNIT_LABEL];
  return u === undefined || u === '' ? undefined : u;
}

/** Tasks sorted by unit, then container name. */
export function findTasks(records: ContainerRecord[], running: (rec: ContainerRecord) => boolean): Discovery {
  const tasks: Task[] = [];
  const errors: TpodError[] = [];
  for (const rec of records) {
    const labels = containerLabels(rec);
    const value = labels[AUTOUPDATE_LABEL];
    if (value === undefined) continue;
    // Only running containers: a stopped one is not served by a unit right now.
    if (!running(rec)) continue;
    try {
      const policy = lookupPolicy(value);
      if (policy === undefined) continue;
      const unit = unitOf(rec, labels, records);
      if (unit === undefined) {
        throw new TpodError('ECONFIG', `no ${UNIT_LABEL} label found: run it in a systemd unit made by \`tpod generate systemd --new\``);
      }
      const task: Task = { container: { id: rec.id, name: rec.name, image: rec.image, imageId: rec.imageId }, policy, unit, rawName: rec.image };
      if (policy === 'registry') task.ref = registryReference(rec.image);
      const authfile = labels[AUTHFILE_LABEL];
      if (authfile !== undefined && authfile !== '') task.authfile = authfile;
      tasks.push(task);
    } catch (err) {
      errors.push(withContainer(rec, err));
    }
  }
  tasks.sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : a.container.name.localeCompare(b.container.name)));
  return { tasks, errors };
}
