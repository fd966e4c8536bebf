// `tpod generate systemd`: systemd units that run containers and pods as services of
// the user's own manager, in the shape Podman generates them (pkg/systemd/generate), so
// that what users know of Podman's units holds. Pure: the facts come in, text goes out.
//
// Without --new a unit starts and stops an existing container: `tpod start` leaves the
// container's monitor behind and exits, so the unit is Type=forking and systemd follows
// the monitor through PIDFile= (the monitor's pid file, written before `tpod start`
// exits). With --new the unit creates the container at each start from the command line
// that created it (`run --rm -d --replace --cidfile=%t/%n.ctr-id --sdnotify=conmon`):
// Type=notify, the monitor sends MAINPID= and READY=1 once the container runs, so the
// unit is active exactly while the container runs, and the monitor exits with the
// container's code (Restart=on-failure sees failures).
import { TpodError, UsageError } from '../errors.js';
import type { RestartPolicy } from '../storage/containers.js';
import { escapeSpecifiers, execLine, quoteArg, quoteAssignment, serializeUnit, type ExecWord, type UnitFile } from './unit-file.js';

export const RESTART_POLICIES = ['no', 'on-success', 'on-failure', 'on-abnormal', 'on-watchdog', 'on-abort', 'always'] as const;
export const DEFAULT_RESTART_POLICY = 'on-failure';
/** systemd gets this much more than the container's stop timeout before it kills. */
export const MIN_TIMEOUT_STOP_SEC = 60;
/** The environment variable every generated unit sets to its own name. */
export const UNIT_ENV = 'PODMAN_SYSTEMD_UNIT';

export interface GenerateOptions {
  /** Use names, not ids, in unit names and commands. */
  name?: boolean;
  /** Create the container (pod) at start and remove it at stop. */
  new?: boolean;
  restartPolicy?: string;
  restartSec?: number;
  /** Overrides the container's stop timeout (--stop-timeout, -t/--time). */
  stopTimeout?: number;
  startTimeout?: number;
  containerPrefix?: string;
  podPrefix?: string;
  separator?: string;
  wants?: string[];
  after?: string[];
  requires?: string[];
  /** NAME=VALUE lines added as Environment= (--env). */
  env?: string[];
  noHeader?: boolean;
  /** --template (with --new): a template unit, NAME@.service, its container named NAME-%i. */
  template?: boolean;
}

export interface ContainerFacts {
  id: string;
  name: string;
  /** Seconds (the container's --stop-timeout, 10 by default). */
  stopTimeout: number;
  rm: boolean;
  restartPolicy?: RestartPolicy;
  /** The argv that created it: ['tpod', <globals>, 'run'|'create', <flags>, IMAGE, <command>]. */
  createCommand?: string[];
  /** IMAGE and the command as created: the tail of createCommand that is not flags. */
  positional?: string[];
  /** The container's environment (for `-e NAME`, which takes the creator's value). */
  env?: Array<[string, string]>;
  /** Where its monitor's pid is written at each start (PIDFile= without --new). */
  monitorPidFile: string;
}

export interface PodFacts {
  id: string;
  name: string;
  infra?: ContainerFacts;
  /** Members, without the infra container. */
  members: ContainerFacts[];
  /** ['tpod', <globals>, 'pod', 'create', <flags>]. */
  createCommand?: string[];
}

export interface GenerateEnv {
  /** argv prefix that runs this tpod (absolute). */
  executable: string[];
  version: string;
  /** Global flags for units without --new (--root X ...): the unit must see the same storage. */
  globals: string[];
  /** RequiresMountsFor= without --new: the runroot. */
  runroot: string;
  /** RequiresMountsFor= with --new: the runroot as the manager's %t sees it, when it is below it. */
  runrootInRuntimeDir?: string;
  now?: Date;
}

export interface GeneratedUnit {
  /** container-NAME or pod-NAME, without ".service". */
  serviceName: string;
  text: string;
}

export function validateRestartPolicy(p: string): void {
  if (!(RESTART_POLICIES as readonly string[]).includes(p)) {
    throw new UsageError(`${p} is not a valid restart policy: use one of ${RESTART_POLICIES.join(', ')}`);
  }
}

/** What a unit name may hold (systemd.unit(5)); the prefixes and the separator become part of one. */
const UNIT_NAME_CHARS = /^[A-Za-z0-9:_.\\@-]*$/;

/**
 * Refuses flag values that cannot make a valid unit, in words (serializeUnit's own
 * checks are for the generator's bugs, and said "internal error" for these).
 */
export function validateGenerateOptions(o: GenerateOptions): void {
  if (o.restartPolicy !== undefined) validateRestartPolicy(o.restartPolicy);
  for (const [flag, v] of [['--container-prefix', o.containerPrefix], ['--pod-prefix', o.podPrefix], ['--separator', o.separator]] as const) {
    if (v !== undefined && !UNIT_NAME_CHARS.test(v)) {
      throw new UsageError(`invalid ${flag} "${v}": it becomes part of unit names, which hold only letters, digits and ":_.\\@-"`);
    }
  }
  for (const [flag, list] of [['--wants', o.wants], ['--after', o.after], ['--requires', o.requires]] as const) {
    for (const v of list ?? []) if (/[\x00-\x1f\x7f]/.test(v)) throw new UsageError(`invalid ${flag} ${JSON.stringify(v)}: unit names cannot hold control characters`);
  }
}

export function serviceName(prefix: string | undefined, separator: string | undefined, nameOrId: string): string {
  return prefix ? `${prefix}${separator ?? '-'}${nameOrId}` : nameOrId;
}

const v = (verbatim: string): ExecWord => ({ verbatim });

/** "Sun Nov 22 09:01:04 UTC 2026", as Go's time.UnixDate prints it. */
export function unixDate(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

function header(service: string, o: GenerateOptions, env: GenerateEnv): string[] {
  if (o.noHeader) return [];
  return [`${service}.service`, `autogenerated by tpod ${env.version}`, unixDate(env.now ?? new Date())];
}

function unitSection(service: string, o: GenerateOptions, env: GenerateEnv, extra: Array<[string, string]>): Array<[string, string]> {
  const e: Array<[string, string]> = [
    ['Description', `tpod ${escapeSpecifiers(service)}.service`],
    ['Documentation', 'man:tpod-generate-systemd(1)'],
    ['Wants', 'network-online.target'],
    ['After', 'network-online.target'],
    // A space-separated list: a path with spaces is quoted (the %t form too; its "%" are already escaped).
    ['RequiresMountsFor', o.new && env.runrootInRuntimeDir !== undefined ? quoteArg(env.runrootInRuntimeDir, { specifiers: false, variables: false }) : quoteArg(env.runroot, { variables: false })],
    ...extra,
  ];
  if (o.wants?.length) e.push(['Wants', o.wants.join(' ')]);
  if (o.after?.length) e.push(['After', o.after.join(' ')]);
  if (o.requires?.length) e.push(['Requires', o.requires.join(' ')]);
  return e;
}

function environment(o: GenerateOptions, extra: string[]): Array<[string, string]> {
  const e: Array<[string, string]> = [['Environment', `${UNIT_ENV}=%n`]];
  if (extra.length > 0) e.push(['Environment', extra.join(' ')]);
  for (const line of o.env ?? []) {
    const eq = line.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid --env "${line}": use NAME=VALUE`);
    e.push(['Environment', quoteAssignment(line.slice(0, eq), line.slice(eq + 1))]);
  }
  return e;
}

// ---- reading the create command ------------------------------------------------------

/** Short run/create flags that take no value (-dit). */
const SHORT_BOOLEANS = new Set(['i', 't', 'd', 'P', 'q']);
/** Short flags that take one. */
const SHORT_VALUES = new Set(['e', 'w', 'u', 'h', 'v', 'p', 'l', 'm']);
/** Long flags this generator looks at or drops, and whether they take a value. */
const LONG: Record<string, boolean> = {
  '--detach': false,
  '--rm': false,
  '--replace': false,
  '--name': true,
  '--env': true,
  '--sdnotify': true,
  '--restart': true,
  '--cgroups': true,
  '--cidfile': true,
  '--conmon-pidfile': true,
  '--pod': true,
  '--pod-id-file': true,
  '--infra-conmon-pidfile': true,
};

interface Flag {
  /** The tokens as written. */
  tokens: string[];
  /** Long name (--x) or short letter set (-dit). */
  name: string;
  value?: string;
}

/** Splits the flags part of a command line into flags (with values when known). */
export function splitFlags(args: readonly string[]): Flag[] {
  const out: Flag[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        out.push({ tokens: [a], name: a.slice(0, eq), value: a.slice(eq + 1) });
      } else if (LONG[a] === true && i + 1 < args.length) {
        out.push({ tokens: [a, args[i + 1]!], name: a, value: args[i + 1]! });
        i++;
      } else {
        out.push({ tokens: [a], name: a });
      }
    } else if (a.startsWith('-') && a.length > 1) {
      const letters = a.slice(1);
      const first = letters[0]!;
      if (SHORT_VALUES.has(first)) {
        if (letters.length > 1) out.push({ tokens: [a], name: `-${first}`, value: letters.slice(1) });
        else if (i + 1 < args.length) {
          out.push({ tokens: [a, args[i + 1]!], name: a, value: args[i + 1]! });
          i++;
        } else out.push({ tokens: [a], name: a });
      } else {
        out.push({ tokens: [a], name: a });
      }
    } else {
      // A value of a flag this generator does not know: it stays where it was.
      out.push({ tokens: [a], name: '' });
    }
  }
  return out;
}

function hasShortBoolean(f: Flag, letter: string): boolean {
  return /^-[A-Za-z]+$/.test(f.name) && f.value === undefined && [...f.name.slice(1)].every((c) => SHORT_BOOLEANS.has(c)) && f.name.includes(letter);
}

function isTrue(f: Flag): boolean {
  return f.value === undefined || f.value === 'true';
}

interface CreateParts {
  /** Global flags between the program and `run`/`create` (or `pod create`). */
  globals: string[];
  flags: Flag[];
  positional: string[];
}

/** The create command cut into globals, flags and IMAGE + command. */
export function createParts(c: ContainerFacts): CreateParts {
  const cmd = c.createCommand ?? [];
  const at = cmd.findIndex((a, i) => i > 0 && (a === 'run' || a === 'create') && cmd[i - 1] !== 'pod');
  if (at < 0) throw new TpodError('EUSAGE', `container "${c.name}"'s create command is too short or invalid: ${JSON.stringify(cmd)}`);
  const rest = cmd.slice(at + 1);
  let nPositional = c.positional?.length ?? 0;
  // The record knows IMAGE and the command; the create command must end with them.
  const tail = rest.slice(rest.length - nPositional);
  if (nPositional === 0 || tail.join('\0') !== c.positional!.join('\0')) {
    // Fall back to the first word that is no flag and no known flag's value.
    const flags = splitFlags(rest);
    let used = 0;
    for (const f of flags) {
      if (f.name === '') break;
      used += f.tokens.length;
    }
    nPositional = rest.length - used;
  }
  return { globals: cmd.slice(1, at), flags: splitFlags(rest.slice(0, rest.length - nPositional)), positional: rest.slice(rest.length - nPositional) };
}

/** Restart= and StartLimitBurst= from the container's own --restart, when the user gave none. */
function restartFromCreate(flags: Flag[]): { policy?: string; burst?: string } {
  const f = [...flags].reverse().find((x) => x.name === '--restart');
  if (f?.value === undefined || f.value === '' || f.value === 'no') return f?.value === 'no' ? { policy: 'no' } : {};
  if (f.value.startsWith('on-failure:')) return { policy: 'on-failure', burst: f.value.slice('on-failure:'.length) };
  if (f.value === 'unless-stopped') return { policy: 'always' };
  return { policy: f.value };
}

// ---- container units -----------------------------------------------------------------

export interface PodBinding {
  serviceName: string;
  /** %t/pod-NAME.pod-id: the --new pod's id file the member joins by. */
  podIdFile: string;
}

export function containerServiceName(c: ContainerFacts, o: GenerateOptions): { nameOrId: string; service: string } {
  const nameOrId = o.name ? c.name : c.id;
  return { nameOrId, service: serviceName(o.containerPrefix ?? 'container', o.separator, nameOrId) };
}

export function generateContainerUnit(c: ContainerFacts, o: GenerateOptions, env: GenerateEnv, pod?: PodBinding): GeneratedUnit {
  const { nameOrId, service } = containerServiceName(c, o);
  if (c.rm && !o.new) {
    throw new TpodError(
      'EUSAGE',
      `container "${c.name}" was created with --rm: a unit that starts it would lose it at its first stop; generate the unit with --new, which creates the container at each start`,
    );
  }
  validateGenerateOptions(o);
  const stopTimeout = o.stopTimeout ?? c.stopTimeout;
  const exe = env.executable;
  let restart = o.restartPolicy ?? DEFAULT_RESTART_POLICY;
  let burst: string | undefined;
  const extraEnv: string[] = [];
  const service_: Array<[string, string]> = [];
  let type: 'forking' | 'notify' = 'forking';
  const exec: Array<[string, string]> = [];

  if (!o.new) {
    const g = env.globals;
    exec.push(['ExecStart', execLine([...exe, ...g, 'start', nameOrId])]);
    exec.push(['ExecStop', execLine([...exe, ...g, 'stop', '-t', String(stopTimeout), nameOrId], { wrap: true })]);
    exec.push(['ExecStopPost', execLine([...exe, ...g, 'stop', '-t', String(stopTimeout), nameOrId], { wrap: true })]);
    exec.push(['PIDFile', escapeSpecifiers(c.monitorPidFile)]); // a plain path: no quotes there
  } else {
    if (!c.createCommand || c.createCommand.length === 0) {
      throw new TpodError('EUSAGE', `cannot use --new on container "${c.name}": no create command found (it was not created by tpod run/create)`);
    }
    type = 'notify';
    const parts = createParts(c);
    const cid = '%t/%n.ctr-id';
    const start: ExecWord[] = [...exe, ...parts.globals, 'run', v(`--cidfile=${cid}`), '--cgroups=no-conmon', '--rm'];
    if (pod) start.push('--pod-id-file', v(pod.podIdFile));
    let detach = false;
    let named = false;
    // A template unit's instances each run their own container: the instance names it.
    const instance = (name: string): string => `${quoteArg(name)}-%i`;
    let replace = false;
    let sdnotify: string | undefined;
    const kept: Flag[] = [];
    for (const f of parts.flags) {
      switch (f.name) {
        case '--rm':
        case '--cidfile':
        case '--cgroups':
        case '--restart':
        case '--conmon-pidfile':
          continue; // the unit sets these itself
        case '--pod':
        case '--pod-id-file':
          if (pod) continue;
          break;
        case '--detach':
          if (isTrue(f)) detach = true;
          else continue; // --detach=false: the unit needs it
          break;
        case '--replace':
          if (isTrue(f)) replace = true;
          else continue;
          break;
        case '--name':
          named = true;
          if (o.template && f.value !== undefined) {
            start.push(v(`--name=${instance(f.value)}`));
            continue;
          }
          break;
        case '--sdnotify':
          sdnotify = f.value;
          // The unit is Type=notify: someone must say READY=1.
          if (f.value === 'ignore') continue;
          break;
        case '--env':
        case '-e':
          if (f.value !== undefined && !f.value.includes('=')) {
            for (const [k, val] of c.env ?? []) if (k === f.value) extraEnv.push(quoteAssignment(k, val));
          }
          break;
        default:
          if (hasShortBoolean(f, 'd')) detach = true;
      }
      kept.push(f);
    }
    if (o.template && !named) {
      named = true;
      start.push(v(`--name=${instance(service)}`));
    }
    if (sdnotify === undefined || sdnotify === 'ignore') start.push('--sdnotify=conmon');
    if (!detach) start.push('-d');
    if (named && !replace) start.push('--replace');
    const fromCreate = o.restartPolicy === undefined ? restartFromCreate(parts.flags) : {};
    if (fromCreate.policy !== undefined) {
      restart = fromCreate.policy;
      burst = fromCreate.burst;
    }
    for (const f of kept) start.push(...f.tokens);
    start.push(...parts.positional);
    exec.push(['ExecStartPre', execLine(['/bin/rm', '-f', v(cid)], { wrap: true })]);
    exec.push(['ExecStart', execLine(start, { wrap: true })]);
    exec.push(['ExecStop', execLine([...exe, ...parts.globals, 'stop', '--ignore', '-t', String(stopTimeout), v(`--cidfile=${cid}`)], { wrap: true })]);
    exec.push(['ExecStopPost', execLine([...exe, ...parts.globals, 'rm', '-f', '--ignore', '-t', String(stopTimeout), v(`--cidfile=${cid}`)], { wrap: true })]);
  }

  service_.push(...environment(o, extraEnv));
  service_.push(['Restart', restart]);
  if (o.restartSec !== undefined) service_.push(['RestartSec', String(o.restartSec)]);
  if (burst !== undefined) service_.push(['StartLimitBurst', burst]);
  if (o.startTimeout !== undefined && o.startTimeout !== 0) service_.push(['TimeoutStartSec', String(o.startTimeout)]);
  service_.push(['TimeoutStopSec', String(MIN_TIMEOUT_STOP_SEC + stopTimeout)]);
  service_.push(...exec);
  service_.push(['Type', type]);
  if (type === 'notify') service_.push(['NotifyAccess', 'all']);

  const bound: Array<[string, string]> = pod ? [['BindsTo', `${pod.serviceName}.service`], ['After', `${pod.serviceName}.service`]] : [];
  const unit: UnitFile = {
    header: header(service, o, env),
    sections: [
      { name: 'Unit', entries: unitSection(service, o, env, bound) },
      { name: 'Service', entries: service_ },
      { name: 'Install', entries: [['WantedBy', 'default.target']] },
    ],
  };
  return { serviceName: o.template ? `${service}@` : service, text: serializeUnit(unit) };
}

/** Whether a container created with this restart policy may surprise a unit without --new. */
export function restartPolicyWarning(c: ContainerFacts, o: GenerateOptions): string | undefined {
  const p = c.restartPolicy?.name ?? 'no';
  if (o.new || p === 'no') return undefined;
  return `Container ${c.id} has restart policy "${p}" which can lead to issues on shutdown: consider recreating the container without a restart policy and use systemd's restart mechanism instead`;
}

// ---- pod units -------------------------------------------------------------------------

/** The pod's unit first, then one unit per member, each bound to the pod's. */
export function generatePodUnits(p: PodFacts, o: GenerateOptions, env: GenerateEnv): GeneratedUnit[] {
  if (!p.infra) throw new TpodError('EUSAGE', `generating systemd units: pod "${p.name}" has no infra container, which the pod's unit needs as its main process`);
  validateGenerateOptions(o);
  const nameOrId = o.name ? p.name : p.id;
  const service = serviceName(o.podPrefix ?? 'pod', o.separator, nameOrId);
  const members = [...p.members].sort((a, b) => containerServiceName(a, o).service.localeCompare(containerServiceName(b, o).service));
  const memberServices = members.map((m) => `${containerServiceName(m, o).service}.service`);
  const stopTimeout = o.stopTimeout ?? p.infra.stopTimeout;
  const exe = env.executable;
  const pidFile = `%t/${service}.pid`;
  const podIdFile = `%t/${service}.pod-id`;

  const exec: Array<[string, string]> = [];
  if (!o.new) {
    const infra = o.name ? p.infra.name : p.infra.id;
    const g = env.globals;
    exec.push(['ExecStart', execLine([...exe, ...g, 'start', infra])]);
    exec.push(['ExecStop', execLine([...exe, ...g, 'stop', '-t', String(stopTimeout), infra], { wrap: true })]);
    exec.push(['ExecStopPost', execLine([...exe, ...g, 'stop', '-t', String(stopTimeout), infra], { wrap: true })]);
    exec.push(['PIDFile', escapeSpecifiers(p.infra.monitorPidFile)]);
  } else {
    const cmd = p.createCommand ?? [];
    const at = cmd.findIndex((a, i) => i > 0 && cmd[i - 1] === 'pod' && a === 'create');
    if (at < 0) throw new TpodError('EUSAGE', `cannot use --new on pod "${p.name}": it does not appear to be created by \`tpod pod create\` (${JSON.stringify(cmd)})`);
    const globals = cmd.slice(1, at - 1);
    const create: ExecWord[] = [...exe, ...globals, 'pod', 'create', '--infra-conmon-pidfile', v(pidFile), '--pod-id-file', v(podIdFile)];
    const flags = splitFlags(cmd.slice(at + 1));
    let named = false;
    let replace = false;
    let exitPolicy = false;
    const kept: Flag[] = [];
    for (const f of flags) {
      if (f.name === '--pod-id-file' || f.name === '--infra-conmon-pidfile') continue;
      if (f.name === '--name') named = true;
      if (f.name === '--exit-policy') exitPolicy = true;
      if (f.name === '--replace') {
        if (!isTrue(f)) continue;
        replace = true;
      }
      kept.push(f);
    }
    // The pod ends when its last member does, and the pod's unit with it.
    if (!exitPolicy) create.push('--exit-policy=stop');
    for (const f of kept) create.push(...f.tokens);
    if (named && !replace) create.push('--replace');
    exec.push(['ExecStartPre', execLine(['/bin/rm', '-f', v(pidFile), v(podIdFile)], { wrap: true })]);
    exec.push(['ExecStartPre', execLine(create, { wrap: true })]);
    exec.push(['ExecStart', execLine([...exe, ...globals, 'pod', 'start', '--pod-id-file', v(podIdFile)], { wrap: true })]);
    exec.push(['ExecStop', execLine([...exe, ...globals, 'pod', 'stop', '--ignore', '--pod-id-file', v(podIdFile), '-t', String(stopTimeout)], { wrap: true })]);
    exec.push(['ExecStopPost', execLine([...exe, ...globals, 'pod', 'rm', '--ignore', '-f', '--pod-id-file', v(podIdFile)], { wrap: true })]);
    exec.push(['PIDFile', pidFile]);
  }

  const deps: Array<[string, string]> = memberServices.length > 0 ? [['Requires', memberServices.join(' ')], ['Before', memberServices.join(' ')]] : [];
  const serviceEntries: Array<[string, string]> = [
    ...environment(o, []),
    ['Restart', o.restartPolicy ?? DEFAULT_RESTART_POLICY],
    ...(o.restartSec !== undefined ? [['RestartSec', String(o.restartSec)] as [string, string]] : []),
    ...(o.startTimeout !== undefined && o.startTimeout !== 0 ? [['TimeoutStartSec', String(o.startTimeout)] as [string, string]] : []),
    ['TimeoutStopSec', String(MIN_TIMEOUT_STOP_SEC + stopTimeout)],
    ...exec,
    ['Type', 'forking'],
  ];
  const podUnit: GeneratedUnit = {
    serviceName: service,
    text: serializeUnit({
      header: header(service, o, env),
      sections: [
        { name: 'Unit', entries: unitSection(service, o, env, deps) },
        { name: 'Service', entries: serviceEntries },
        { name: 'Install', entries: [['WantedBy', 'default.target']] },
      ],
    }),
  };
  const binding: PodBinding = { serviceName: service, podIdFile };
  return [podUnit, ...members.map((m) => generateContainerUnit(m, o, env, binding))];
}
