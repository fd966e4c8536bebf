// The flags `run` and `create` share (Podman's container-creation flags), declared once.
// Everything after the image name belongs to the container's command, options included.
import { Option } from 'clipanion';
import { TpodCommand, commandLine } from './base.js';
import type { RawRunFlags, RunOptions } from '../runtime/options.js';

export abstract class ContainerFlagsCommand extends TpodCommand {
  name = Option.String('--name', { description: 'Assign a name to the container' });
  rm = Option.Boolean('--rm', false, { description: 'Remove the container when it exits' });
  interactive = Option.Boolean('-i,--interactive', false, { description: 'Keep STDIN open' });
  tty = Option.Boolean('-t,--tty', false, { description: 'Allocate a pseudo-TTY for the container' });
  detach = Option.Boolean('-d,--detach', false, { description: 'Run the container in the background and print its ID' });
  env = Option.Array('-e,--env', { description: 'Set environment variables (NAME=VALUE, NAME, NAME*)' });
  envFile = Option.Array('--env-file', { description: 'Read environment variables from a file' });
  envHost = Option.Boolean('--env-host', false, { description: 'Use all current host environment variables in container' });
  workdir = Option.String('-w,--workdir', { description: 'Working directory inside the container' });
  user = Option.String('-u,--user', { description: 'Username or UID, with an optional group (user[:group])' });
  entrypoint = Option.String('--entrypoint', { description: 'Override the image ENTRYPOINT (a command or a JSON array)' });
  hostname = Option.String('-h,--hostname', { description: 'Set the container hostname' });
  capAdd = Option.Array('--cap-add', { description: 'Add capabilities (or ALL)' });
  capDrop = Option.Array('--cap-drop', { description: 'Drop capabilities (or ALL)' });
  readOnly = Option.Boolean('--read-only', false, { description: "Make the container's root filesystem read-only" });
  tmpfs = Option.Array('--tmpfs', { description: 'Mount a tmpfs (PATH[:OPTIONS])' });
  securityOpt = Option.Array('--security-opt', { description: 'Security options: no-new-privileges, seccomp=unconfined|PROFILE.json, mask=PATH[:PATH...], unmask=ALL|PATH[:PATH...]' });
  privileged = Option.Boolean('--privileged', false, { description: 'Give the container every capability of the user namespace, no seccomp filter and no masked paths' });
  userns = Option.String('--userns', { description: 'User namespace mode (keep-id, host)' });
  volume = Option.Array('-v,--volume', { description: 'Bind mount a host path or a volume (HOST-DIR|VOLUME:CONTAINER-DIR[:OPTIONS]), or an anonymous volume (CONTAINER-DIR)' });
  mount = Option.Array('--mount', { description: 'Attach a filesystem mount (type=bind|volume|tmpfs|image|devpts,...)' });
  volumesFrom = Option.Array('--volumes-from', { description: "Mount the volumes of another container (CONTAINER[:ro|rw])" });
  imageVolume = Option.String('--image-volume', { description: "What the image's VOLUMEs become: bind (anonymous volumes, default), tmpfs or ignore" });
  readOnlyTmpfs = Option.Boolean('--read-only-tmpfs', true, { description: 'With --read-only, mount writable tmpfs on /run, /tmp and /var/tmp (default true)' });
  shmSize = Option.String('--shm-size', { description: 'Size of /dev/shm (e.g. 128m)' });
  network = Option.String('--network,--net', { description: 'Network mode: pasta[:OPTIONS] (default where installed), slirp4netns[:OPTIONS], none, host, container:NAME, ns:PATH, or network names NAME[,NAME2]' });
  publish = Option.Array('-p,--publish', { description: 'Publish a container port on the host ([IP:][HOST-PORT:]CONTAINER-PORT[/PROTOCOL]; ranges allowed)' });
  publishAll = Option.Boolean('-P,--publish-all', false, { description: "Publish the image's exposed ports on free host ports" });
  dns = Option.Array('--dns', { description: 'DNS server for the container (or "none": no /etc/resolv.conf)' });
  dnsSearch = Option.Array('--dns-search', { description: 'DNS search domain ("." for none)' });
  dnsOption = Option.Array('--dns-option,--dns-opt', { description: 'DNS resolver option (e.g. ndots:2)' });
  addHost = Option.Array('--add-host', { description: 'Add a line to /etc/hosts (HOST:IP; IP may be host-gateway)' });
  ip = Option.String('--ip', { description: 'Static IPv4 address on the (first) network' });
  macAddress = Option.String('--mac-address', { description: 'Container MAC address (e.g. 92:d0:c6:0a:29:33)' });
  networkAlias = Option.Array('--network-alias', { description: 'Add a network-scoped alias for the container' });
  noHosts = Option.Boolean('--no-hosts', false, { description: "Do not create /etc/hosts: use the image's" });
  pod = Option.String('--pod', { description: 'Run the container in an existing pod (NAME or ID), or in a new one (new:NAME)' });
  podIdFile = Option.String('--pod-id-file', { description: 'Run the container in the pod whose ID this file holds' });
  init = Option.Boolean('--init', false, { description: 'Run an init (catatonit) as PID 1 that forwards signals and reaps processes' });
  memory = Option.String('-m,--memory', { description: 'Memory limit (e.g. 512m); needs delegated cgroup v2' });
  cpus = Option.String('--cpus', { description: 'Number of CPUs (e.g. 1.5); needs delegated cgroup v2' });
  pidsLimit = Option.String('--pids-limit', { description: 'Limit the number of processes; needs delegated cgroup v2' });
  restart = Option.String('--restart', { description: 'Restart policy when the container exits (no, on-failure[:N], always, unless-stopped)' });
  stopSignal = Option.String('--stop-signal', { description: 'Signal that stops the container (default: the image\'s StopSignal, else SIGTERM)' });
  label = Option.Array('-l,--label', { description: 'Set metadata on a container (KEY=VALUE)' });
  stopTimeout = Option.String('--stop-timeout', { description: 'Seconds to wait after the stop signal before SIGKILL (default 10)' });
  // Pulling the image (src/image/pull-policy.ts); not part of RawRunFlags.
  pull = Option.String('--pull', { description: 'Pull image policy: missing (default), always, never, newer' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Suppress output information when pulling images' });
  tlsVerify = Option.String('--tls-verify', { tolerateBoolean: true, description: 'Require HTTPS and verify certificates when pulling (default: registries.conf decides)' });
  authfile = Option.String('--authfile', { description: 'Path of the authentication file' });
  platform = Option.String('--platform', { description: 'Platform of the image to pull (OS/ARCH[/VARIANT])' });
  // For systemd units (src/systemd/run-options.ts); not part of RawRunFlags.
  sdnotify = Option.String('--sdnotify', { description: 'Readiness for systemd Type=notify units: conmon (the monitor says READY=1 once the container runs), container (the container says it, through NOTIFY_SOCKET), ignore' });
  cidfile = Option.String('--cidfile', { description: 'Write the container ID to the file (refused when the file exists)' });
  replace = Option.Boolean('--replace', false, { description: 'If a container with the same name exists, remove it first' });
  conmonPidfile = Option.String('--conmon-pidfile', { description: "Write the monitor's pid to the file at each start" });
  cgroups = Option.String('--cgroups', { description: 'Cgroup mode: enabled, disabled, no-conmon, split (recorded)' });
  // More of Podman's flags (src/runtime/run-extras.ts).
  logDriver = Option.String('--log-driver', { description: 'Logging driver: k8s-file (default), json-file (the same format), none, passthrough' });
  logOpt = Option.Array('--log-opt', { description: 'Logging driver options: path=FILE, max-size=SIZE, tag=TAG' });
  tz = Option.String('--tz', { description: 'Set the timezone in the container (a zone name, or local)' });
  unsetenv = Option.Array('--unsetenv', { description: 'Unset a default environment variable (or one of the image\'s)' });
  unsetenvAll = Option.Boolean('--unsetenv-all', false, { description: 'Unset all default and image environment variables' });
  hostuser = Option.Array('--hostuser', { description: "Add a host user (name or uid) to the container's /etc/passwd" });
  groupAdd = Option.Array('--group-add', { description: 'Add supplementary groups (names, gids, or keep-groups)' });
  systemdFlag = Option.String('--systemd', { description: 'Run the container in systemd mode: true (when the command is init or systemd), false, always' });
  httpProxy = Option.Boolean('--http-proxy', true, { description: "Pass the host's proxy environment variables (default true)" });
  attach = Option.Array('-a,--attach', { description: 'Attach to STDIN, STDOUT and/or STDERR (run in the foreground)' });
  preserveFds = Option.String('--preserve-fds', { description: 'Pass N additional file descriptors (3 .. 3+N-1) to the container' });
  timeout = Option.String('--timeout', { description: 'Maximum time the container may run, in seconds (then it is killed)' });
  ulimit = Option.Array('--ulimit', { description: 'Ulimit options: NAME=SOFT[:HARD] (nofile, nproc, core, ...; -1 for unlimited)' });
  kernelMemory = Option.String('--kernel-memory', { hidden: true, description: 'No longer supported (a no-op, as in Podman)' });

  image = Option.String({ name: 'IMAGE' });
  command = Option.Proxy({ name: 'COMMAND' });

  protected rawFlags(): RawRunFlags {
    return {
      image: this.image,
      command: this.command,
      name: this.name,
      rm: this.rm,
      interactive: this.interactive,
      tty: this.tty,
      detach: this.detach,
      env: this.env,
      envFile: this.envFile,
      envHost: this.envHost,
      workdir: this.workdir,
      user: this.user,
      entrypoint: this.entrypoint,
      hostname: this.hostname,
      capAdd: this.capAdd,
      capDrop: this.capDrop,
      readOnly: this.readOnly,
      tmpfs: this.tmpfs,
      securityOpt: this.securityOpt,
      privileged: this.privileged,
      userns: this.userns,
      volume: this.volume,
      mount: this.mount,
      volumesFrom: this.volumesFrom,
      imageVolume: this.imageVolume,
      readOnlyTmpfs: this.readOnlyTmpfs,
      shmSize: this.shmSize,
      network: this.network,
      init: this.init,
      memory: this.memory,
      cpus: this.cpus,
      pidsLimit: this.pidsLimit,
      restart: this.restart,
      stopSignal: this.stopSignal,
      stopTimeout: this.stopTimeout,
      label: this.label,
      publish: this.publish,
      publishAll: this.publishAll,
      dns: this.dns,
      dnsSearch: this.dnsSearch,
      dnsOption: this.dnsOption,
      addHost: this.addHost,
      noHosts: this.noHosts,
      ip: this.ip,
      macAddress: this.macAddress,
      networkAlias: this.networkAlias,
      pod: this.pod,
      podIdFile: this.podIdFile,
      logDriver: this.logDriver,
      logOpt: this.logOpt,
      tz: this.tz,
      unsetenv: this.unsetenv,
      unsetenvAll: this.unsetenvAll,
      hostuser: this.hostuser,
      groupAdd: this.groupAdd,
      systemd: this.systemdFlag,
      httpProxy: this.httpProxy,
      attach: this.attach,
      preserveFds: this.preserveFds,
      timeout: this.timeout,
      ulimit: this.ulimit,
    };
  }

  /**
   * The checked options with the systemd flags: the id file is refused before anything
   * is created, --replace removes the same-named container, and the container keeps the
   * command line and the PODMAN_SYSTEMD_UNIT of the unit that creates it.
   */
  protected async runOptions(): Promise<RunOptions> {
    const { parseRunOptions } = await import('../runtime/options.js');
    const sd = await import('../systemd/run-options.js');
    if (this.kernelMemory !== undefined) this.ctx.log.warn('The --kernel-memory flag is no longer supported. This flag is a noop.');
    const opts = parseRunOptions(this.rawFlags());
    const systemd = sd.parseSystemdRunFlags({ sdnotify: this.sdnotify, cidfile: this.cidfile, replace: this.replace, conmonPidfile: this.conmonPidfile, cgroups: this.cgroups });
    if (Object.keys(systemd).length > 0) opts.systemd = systemd;
    opts.createCommand = ['tpod', ...commandLine];
    const unit = process.env[sd.SYSTEMD_UNIT_ENV];
    if (unit) opts.labels = { ...opts.labels, [sd.SYSTEMD_UNIT_ENV]: unit };
    (await import('../autoupdate/policy.js')).checkAutoUpdateCreate(opts.labels, opts.image);
    if (systemd.cidFile !== undefined) sd.checkCidFile(systemd.cidFile);
    if (systemd.replace && opts.name !== undefined) await (await import('../engine/remove.js')).replaceContainer(this.ctx, opts.name);
    return opts;
  }

  /** The store's image lookup with --pull applied (pulls run only when needed). */
  protected async imageAccess(): Promise<typeof import('../image/store.js')> {
    const store = await import('../image/store.js');
    const { parsePullPolicy, withPullPolicy } = await import('../image/pull-policy.js');
    const { parseTlsVerify } = await import('./registry-flags.js');
    const { pullReporter } = await import('./pull-reporter.js');
    const policy = parsePullPolicy(this.pull);
    const tlsVerify = parseTlsVerify(this.tlsVerify);
    const reporter = await pullReporter(this.quiet === true);
    return withPullPolicy(store, { policy, tlsVerify, authfile: this.authfile, platform: this.platform, quiet: this.quiet, reporter });
  }
}
