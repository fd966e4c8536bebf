import { Command, Option } from 'clipanion';
import { TpodCommand, registeredCommands } from '../base.js';

export class QuadletInstallCommand extends TpodCommand {
  static override paths = [['quadlet', 'install']];
  static override usage = Command.Usage({
    description: 'Install a Quadlet file or a Quadlet application',
    details: `
      Copies the Quadlet file (\`.container\`, \`.volume\`, \`.network\`, \`.image\`, \`.pod\`),
      and any further files given after it (an environment file, a config file), into
      \`$XDG_CONFIG_HOME/containers/systemd/\`. A directory is installed as one application:
      all its files, removed together by \`tpod quadlet rm\`.

      Every Quadlet file is translated first; one that cannot become a unit (no \`Image=\`,
      a reference to a missing file) is an error and nothing is installed. Keys that are
      not Quadlet keys, or that this tpod cannot carry out, are warned about with their
      FILE:LINE.

      Where tpod's systemd user generator is installed (install.sh as root puts it in
      /usr/lib/systemd/user-generators), systemd makes the units on every
      \`systemctl --user daemon-reload\`. Without it, this command writes the units itself to
      \`~/.config/systemd/user/\` (and the \`[Install]\` links, as \`systemctl enable\` would).
      Then it reloads systemd (\`--reload-systemd=false\` to skip). Start the service with
      \`systemctl --user start NAME.service\`.

      The files follow podman-systemd.unit(5). \`web.container\` becomes \`web.service\`, which
      runs \`tpod run --name systemd-web --cidfile=%t/%N.cid --replace --rm --sdnotify=conmon -d\`
      (\`Type=notify\`; the container is removed when the service stops). Its keys become run
      flags: Image, Exec, Entrypoint, Environment, EnvironmentFile, PublishPort, Volume,
      Network, Pod, ContainerName, User, Group, UserNS, WorkingDir, Label, Notify,
      AutoUpdate, PodmanArgs, GlobalArgs, and the others of Podman's list for which tpod run
      has the flag. \`[Unit]\`, \`[Service]\` and \`[Install]\` pass through. \`web.pod\` becomes
      \`web-pod.service\`, \`base.image\` a oneshot \`base-image.service\` that pulls; \`.volume\`
      and \`.network\` files need \`tpod volume create\` and \`tpod network create\`, and are
      refused with that reason by a tpod without them. \`.kube\` and \`.build\` are not supported.
    `,
    examples: [
      ['Install a container Quadlet', '$0 quadlet install ./web.container'],
      ['With the environment file it reads', '$0 quadlet install ./web.container ./web.env'],
      ['A directory as an application', '$0 quadlet install ./myapp/'],
    ],
  });

  reloadSystemd = Option.String('--reload-systemd', { tolerateBoolean: true, description: 'Reload systemd after installing Quadlets (default true)' });
  replace = Option.Boolean('-r,--replace', false, { description: 'Replace files that are installed already' });
  files = Option.Rest({ required: 1, name: 'QUADLET-PATH [FILES]' });

  async execute(): Promise<number> {
    const { quadletEnv, parseBoolFlag } = await import('../../quadlet/env.js');
    const { installQuadlets } = await import('../../quadlet/manage.js');
    const reload = parseBoolFlag(this.reloadSystemd, '--reload-systemd', true);
    const installed = installQuadlets(quadletEnv(this.ctx, registeredCommands), this.files, { replace: this.replace, reload });
    this.print(installed.join('\n'));
    return 0;
  }
}
