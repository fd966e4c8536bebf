import { Command, Option } from 'clipanion';
import { ContainerFlagsCommand } from '../run-flags.js';

export class RunCommand extends ContainerFlagsCommand {
  static override paths = [['run'], ['container', 'run']];
  static override usage = Command.Usage({
    description: 'Run a command in a new container',
    details: `
      Creates a container from a local image and runs it attached: the container's output
      is shown, its exit code is tpod's exit code, and Ctrl-C reaches it. Everything after
      IMAGE is the container's command. Exit codes follow Podman: 125 for an engine error,
      126 when the command cannot be invoked, 127 when it is not found.

      crun is used by default; on hosts where it cannot run (hybrid cgroups with cgroup v2
      controllers) tpod uses runc and says so once. --memory, --cpus and --pids-limit are
      accepted and recorded, but need cgroup v2 controllers delegated to the user: where
      those are missing tpod warns and runs the container without the limits, as Podman
      does. With -d the container runs in the background under its monitor and its ID is
      printed; --restart policies are applied by the monitor's exit command.
    `,
    examples: [
      ['Run a command and remove the container afterwards', 'tpod run --rm busybox echo hello'],
      ['An interactive shell', 'tpod run -it busybox sh'],
      ['Bind-mount a directory read-only, without a network', 'tpod run --rm -v $PWD:/src:ro --network none busybox ls /src'],
    ],
  });

  rmi = Option.Boolean('--rmi', false, { description: 'Remove the image after the container exits, unless other containers use it (implies --rm)' });

  async execute(): Promise<number> {
    const { runContainer } = await import('../../engine/run.js');
    const images = await this.imageAccess();
    const opts = await this.runOptions();
    if (this.rmi) {
      const { UsageError } = await import('../../errors.js');
      if (opts.detach) throw new UsageError('the --rmi option does not work with -d (--detach)');
      opts.rm = true;
    }
    try {
      return await runContainer(this.ctx, opts, images);
    } finally {
      if (this.rmi) {
        const { removeUnusedImage } = await import('../../engine/remove.js');
        await removeUnusedImage(this.ctx, opts.image);
      }
    }
  }
}
