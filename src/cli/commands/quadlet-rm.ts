import { Command, Option } from 'clipanion';
import { TpodCommand, registeredCommands } from '../base.js';

export class QuadletRmCommand extends TpodCommand {
  static override paths = [['quadlet', 'rm'], ['quadlet', 'remove']];
  static override usage = Command.Usage({
    description: 'Remove installed Quadlets',
    details: `
      Removes Quadlet files from \`$XDG_CONFIG_HOME/containers/systemd/\`, by file name
      (\`web.container\`) or application name. A Quadlet that is part of an application takes
      the whole application with it; the extra files installed with a Quadlet go with it.
      The units made from them are removed and systemd is reloaded
      (\`--reload-systemd=false\` to skip). A running Quadlet is refused unless \`--force\`,
      which stops its unit first. Files under /etc/containers/systemd are the
      administrator's and are not removed.
    `,
    examples: [
      ['Remove a Quadlet', '$0 quadlet rm web.container'],
      ['Stop and remove everything', '$0 quadlet rm --all --force'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove all Quadlets for the current user' });
  force = Option.Boolean('-f,--force', false, { description: 'Stop running Quadlets before removing them' });
  ignore = Option.Boolean('-i,--ignore', false, { description: 'Do not error for Quadlets that do not exist' });
  reloadSystemd = Option.String('--reload-systemd', { tolerateBoolean: true, description: 'Reload systemd after removing Quadlets (default true)' });
  names = Option.Rest({ name: 'QUADLET' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    const { quadletEnv, parseBoolFlag } = await import('../../quadlet/env.js');
    const { removeQuadlets } = await import('../../quadlet/manage.js');
    if (this.all && this.names.length > 0) throw new UsageError('--all and Quadlet names cannot be used together');
    if (!this.all && this.names.length === 0) throw new UsageError('give the Quadlets to remove, or --all');
    const reload = parseBoolFlag(this.reloadSystemd, '--reload-systemd', true);
    const report = removeQuadlets(quadletEnv(this.ctx, registeredCommands), this.names, { all: this.all, force: this.force, ignore: this.ignore, reload });
    if (report.removed.length > 0) this.print(report.removed.join('\n'));
    const last = report.errors.pop();
    for (const e of report.errors) process.stderr.write(`Error: ${e.message}\n`);
    if (last) throw last;
    return 0;
  }
}
