import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class PodCreateCommand extends TpodCommand {
  static override paths = [['pod', 'create']];
  static override usage = Command.Usage({
    description: 'Create a new empty pod',
    details: `
      A pod is a group of containers sharing network, IPC and UTS namespaces (and PID ones
      with --share +pid), held by an infra container. The infra runs tpod's own tiny pause
      program from a local image, localhost/podman-pause:VERSION-BUILT as Podman names
      it, built on first use: no registry is needed. The pod's ports (-p), network, DNS, /etc/hosts entries and hostname (the
      pod's name unless --hostname says otherwise) belong to the infra; containers join
      with \`tpod run --pod NAME\`. Nothing runs until the first container starts (or
      \`tpod pod start\`). Prints the pod's ID.
    `,
    examples: [
      ['A pod publishing port 8080', '$0 pod create --name web -p 8080:80'],
      ['The name may also come last, as with Podman 4', '$0 pod create -p 8080:80 web'],
      ['Run a container in it', '$0 run -d --pod web busybox httpd -f -p 80'],
      ['Share the PID namespace too', '$0 pod create --share +pid --name tools'],
    ],
  });

  name = Option.String('-n,--name', { description: 'Assign a name to the pod' });
  hostname = Option.String('--hostname', { description: "Set the pod's hostname (default: the pod's name)" });
  label = Option.Array('-l,--label', { description: 'Set metadata on the pod (KEY=VALUE)' });
  share = Option.String('--share', { description: 'Namespaces the pod shares: a comma list of ipc, net, pid, uts, or none; +LIST adds to the default ipc,net,uts' });
  // A string, so that Podman's spelling --infra=false works (a Boolean takes only --no-infra).
  infra = Option.String('--infra', { tolerateBoolean: true, description: 'Create an infra container to hold the shared namespaces (default true; --infra=false for none)' });
  infraName = Option.String('--infra-name', { description: 'Name of the infra container (default <pod id>-infra)' });
  infraImage = Option.String('--infra-image', { description: "Image of the infra container (pulled when missing; default: containers.conf's infra_image, else tpod's own pause image)" });
  publish = Option.Array('-p,--publish', { description: "Publish a port of the pod on the host ([IP:][HOST-PORT:]CONTAINER-PORT[/PROTOCOL])" });
  network = Option.String('--network,--net', { description: "The pod's network: pasta[:OPTIONS] (default where installed), slirp4netns[:OPTIONS], none, host, or network names NAME[,NAME2] (the pod is reachable there by its name)" });
  dns = Option.Array('--dns', { description: 'DNS server for the pod (or "none")' });
  dnsSearch = Option.Array('--dns-search', { description: 'DNS search domain' });
  dnsOption = Option.Array('--dns-option,--dns-opt', { description: 'DNS resolver option' });
  addHost = Option.Array('--add-host', { description: "Add a line to the pod's /etc/hosts (HOST:IP)" });
  noHosts = Option.Boolean('--no-hosts', false, { description: 'Do not create /etc/hosts for the pod' });
  exitPolicy = Option.String('--exit-policy', { description: 'When the last container exits: continue (default) or stop the pod' });
  podIdFile = Option.String('--pod-id-file', { description: 'Write the pod ID to the file (refused when it exists)' });
  infraConmonPidfile = Option.String('--infra-conmon-pidfile', { description: "Write the infra monitor's pid to the file when it starts" });
  replace = Option.Boolean('--replace', false, { description: 'If a pod with the same name exists, remove it (and its containers) first' });
  volume = Option.Array('-v,--volume', { description: 'Bind mount or volume for every container of the pod (SRC:DST[:OPTIONS], as run -v)' });
  nameArg = Option.String({ name: 'NAME', required: false });

  async execute(): Promise<number> {
    const { parsePodCreateOptions, createPodFromOptions } = await import('../../pod/create.js');
    const { parseRunOptions } = await import('../../runtime/options.js');
    const { fromSnapshot } = await import('../../util/self.js');
    const { UsageError } = await import('../../errors.js');
    const infra = this.infra === undefined || this.infra === true || this.infra === 'true' ? true : this.infra === 'false' ? false : undefined;
    if (infra === undefined) throw new UsageError(`invalid argument "${String(this.infra)}" for "--infra" flag: strconv.ParseBool: parsing "${String(this.infra)}": invalid syntax`);
    if (this.name !== undefined && this.nameArg !== undefined) throw new UsageError('cannot specify --name and NAME at the same time');
    const o = parsePodCreateOptions(
      {
        name: this.name ?? this.nameArg,
        hostname: this.hostname,
        label: this.label,
        share: this.share,
        infra,
        infraName: this.infraName,
        publish: this.publish,
        network: this.network,
        dns: this.dns,
        dnsSearch: this.dnsSearch,
        dnsOption: this.dnsOption,
        addHost: this.addHost,
        noHosts: this.noHosts,
        exitPolicy: this.exitPolicy,
        podIdFile: this.podIdFile,
        infraConmonPidFile: this.infraConmonPidfile,
        replace: this.replace,
        volume: this.volume,
      },
      undefined,
      parseRunOptions,
    );
    // Podman's CreateCommand: the command line as given.
    o.createCommand = ['tpod', ...process.argv.slice(fromSnapshot() ? 1 : 2)];
    if (this.infraImage !== undefined && this.infraImage !== '') {
      if (!infra) throw new UsageError('cannot set --infra-image without an infra container (--infra=false)');
      o.infraImage = this.infraImage;
    }
    const pod = await createPodFromOptions(this.ctx, o);
    this.print(pod.id);
    return 0;
  }
}
