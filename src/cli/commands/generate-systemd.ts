import { Command, Option } from 'clipanion';
import { TpodCommand, commandLine } from '../base.js';
import { UsageError } from '../../errors.js';

export class GenerateSystemdCommand extends TpodCommand {
  static override paths = [['generate', 'systemd']];
  static override usage = Command.Usage({
    description: 'Generate systemd units for a container or pod',
    details: `
      Prints systemd service units that run a container, or a pod and its containers, as
      services of the user's own systemd manager (\`systemctl --user\`): no daemon of
      tpod's is involved, the unit's main process is the container's monitor.

      Without --new the unit starts and stops the existing container (Type=forking, the
      monitor's pid file as PIDFile=). With --new the unit creates the container at each
      start from the command line that created it, with --rm, --replace, --cidfile and
      --sdnotify=conmon, and removes it at stop: Type=notify, so the unit is active once
      the container runs, and Restart=on-failure restarts it when it fails. A pod gives a
      unit for the pod (its infra container) plus one per member, bound to the pod's.

      --files writes each unit to the current directory as NAME.service and prints the
      paths. Install them in ~/.config/systemd/user, then \`systemctl --user daemon-reload\`.
      Every unit sets PODMAN_SYSTEMD_UNIT to its own name (auto-update reads it).
    `,
    examples: [
      ['A unit that creates the container at each start', '$0 generate systemd --new --name web'],
      ['Write the units of a pod to files', '$0 generate systemd --files --name mypod'],
    ],
  });

  files = Option.Boolean('-f,--files', false, { description: 'Write the units to files in the current directory and print their paths' });
  format = Option.String('--format', { description: 'Print the units as JSON (json)' });
  useName = Option.Boolean('-n,--name', false, { description: 'Use container and pod names instead of ids' });
  new = Option.Boolean('--new', false, { description: 'Create the container (pod) at start and remove it at stop' });
  noHeader = Option.Boolean('--no-header', false, { description: 'Skip the header with the generator and the date' });
  restartPolicy = Option.String('--restart-policy', { description: 'Restart= of the units (default on-failure)' });
  restartSec = Option.String('--restart-sec', { description: 'RestartSec= of the units (seconds)' });
  startTimeout = Option.String('--start-timeout', { description: 'TimeoutStartSec= of the units (seconds)' });
  stopTimeout = Option.String('--stop-timeout', { description: 'Stop timeout of the container (seconds; TimeoutStopSec= adds 60)' });
  time = Option.String('-t,--time', { description: 'Same as --stop-timeout (deprecated)', hidden: true });
  containerPrefix = Option.String('--container-prefix', 'container', { description: 'Prefix of container unit names' });
  podPrefix = Option.String('--pod-prefix', 'pod', { description: 'Prefix of pod unit names' });
  separator = Option.String('--separator', '-', { description: 'Between the prefix and the name or id' });
  wants = Option.Array('--wants', [], { description: 'Add Wants= to the units' });
  after = Option.Array('--after', [], { description: 'Add After= to the units' });
  requires = Option.Array('--requires', [], { description: 'Add Requires= to the units' });
  env = Option.Array('-e,--env', [], { description: 'Add Environment=NAME=VALUE to the units' });
  template = Option.Boolean('--template', false, { description: 'Make a template unit (NAME@.service) whose instances run their own container, NAME-%i (implies --new; containers only)' });
  target = Option.String({ name: 'CONTAINER|POD' });

  /** Whether --new was given at all (--new=false is a choice; absent is not). */
  private newFlagGiven(): boolean {
    return commandLine.some((a) => a === '--new' || a.startsWith('--new=') || a === '--no-new');
  }

  private seconds(value: string | undefined, flag: string): number | undefined {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new UsageError(`invalid argument "${value}" for "${flag}" flag: strconv.ParseUint: parsing "${value}": invalid syntax`);
    return Number(value);
  }

  async execute(): Promise<number> {
    const { TpodError } = await import('../../errors.js');
    if (this.template) {
      // Podman: --template implies --new, and --new=false with it is refused.
      if (this.newFlagGiven() && !this.new) throw new UsageError('--template cannot be set with --new=false');
      this.new = true;
    }
    if (this.format !== undefined && this.format !== 'json') throw new UsageError(`unsupported format "${this.format}": only json is`);
    if (this.time !== undefined && this.stopTimeout !== undefined) throw new UsageError('--stop-timeout and --time cannot be used together');
    const gen = await import('../../systemd/generate.js');
    const o: import('../../systemd/generate.js').GenerateOptions = {
      name: this.useName,
      new: this.new,
      containerPrefix: this.containerPrefix,
      podPrefix: this.podPrefix,
      separator: this.separator,
      wants: this.wants,
      after: this.after,
      requires: this.requires,
      env: this.env,
      noHeader: this.noHeader,
      template: this.template,
    };
    // Bare NAME in --env takes the value tpod was started with (Podman's env.ParseSlice); unset ones are left out.
    const { parseEnvEntry } = await import('../../runtime/options.js');
    o.env = this.env.flatMap((e) => parseEnvEntry(e, process.env).map(([k, val]) => `${k}=${val}`));
    if (this.restartPolicy !== undefined) {
      gen.validateRestartPolicy(this.restartPolicy);
      o.restartPolicy = this.restartPolicy;
    }
    const restartSec = this.seconds(this.restartSec, '--restart-sec');
    if (restartSec !== undefined) o.restartSec = restartSec;
    const startTimeout = this.seconds(this.startTimeout, '--start-timeout');
    if (startTimeout !== undefined) o.startTimeout = startTimeout;
    const stopTimeout = this.seconds(this.stopTimeout ?? this.time, this.time !== undefined ? '--time' : '--stop-timeout');
    if (stopTimeout !== undefined) o.stopTimeout = stopTimeout;

    const ctx = this.ctx;
    const { findContainer } = await import('../../storage/containers.js');
    const facts = await import('../../systemd/facts.js');
    const { tpodExecutable } = await import('../../systemd/executable.js');
    const { VERSION } = await import('../../version.js');
    const env = facts.generateEnv(ctx, tpodExecutable(), VERSION);

    let units: import('../../systemd/generate.js').GeneratedUnit[];
    let rec: import('../../storage/containers.js').ContainerRecord | undefined;
    let ctrErr: InstanceType<typeof TpodError> | undefined;
    try {
      rec = findContainer(ctx, this.target);
    } catch (err) {
      if (!(err instanceof TpodError) || err.code !== 'ENOCONTAINER') throw err;
      ctrErr = err;
    }
    if (rec?.isInfra) throw new UsageError(`container ${rec.id.slice(0, 12)} is the infra container of a pod: generate the units for the pod instead`);
    if (rec) {
      if (rec.pod && this.new) {
        throw new UsageError(`container "${rec.name}" belongs to a pod: generate the units for the pod, whose unit it must be bound to`);
      }
      const c = facts.containerFacts(ctx, rec);
      const warning = gen.restartPolicyWarning(c, o);
      if (warning) ctx.log.warn(warning);
      units = [gen.generateContainerUnit(c, o, env)];
    } else {
      const pods = await import('../../storage/pods.js');
      let pod: import('../../storage/pods.js').PodRecord;
      try {
        pod = pods.findPod(ctx, this.target);
      } catch (err) {
        if (!(err instanceof TpodError) || err.code !== 'ENOPOD') throw err;
        throw new TpodError('ENOCONTAINER', `${this.target} does not refer to a container or pod: ${err.message}: ${ctrErr?.message ?? 'no such container'}`);
      }
      if (this.template) throw new UsageError('--template is not supported for pods');
      units = gen.generatePodUnits(facts.podFacts(ctx, pod, pods.podMembers(ctx, pod)), o, env);
    }

    if (this.files) {
      const { writeFileSync } = await import('node:fs');
      const { resolve } = await import('node:path');
      const paths = units.map((u) => {
        const p = resolve(process.cwd(), `${u.serviceName}.service`);
        try {
          writeFileSync(p, u.text, { mode: 0o644 });
        } catch (err) {
          throw new TpodError('ESTORAGE', `cannot write ${p}: ${(err as Error).message}`, { cause: err });
        }
        return p;
      });
      if (this.format === 'json') this.print(JSON.stringify(paths, null, 4));
      else this.print(paths.join('\n'));
      return 0;
    }
    if (this.format === 'json') {
      this.print(JSON.stringify(Object.fromEntries(units.map((u) => [u.serviceName, u.text])), null, 1));
      return 0;
    }
    this.print(units.map((u) => u.text).join('\n'));
    return 0;
  }
}
