import { Option } from 'clipanion';
import { TpodCommand, registeredCommands } from '../base.js';

/**
 * The systemd user generator's work (hidden: systemd runs it through
 * /usr/lib/systemd/user-generators/tpod-user-generator with NORMAL EARLY LATE output
 * directories). `--dry-run` prints the units instead, as Podman's `quadlet -dryrun` does.
 */
export class QuadletGenerateCommand extends TpodCommand {
  static override paths = [['quadlet', 'generate']];

  user = Option.Boolean('--user', true, { description: 'Generate units for a user manager (the only kind tpod makes)' });
  dryRun = Option.Boolean('--dry-run,-dryrun', false, { description: 'Print the units instead of writing them' });
  verbose = Option.Boolean('-v,--verbose', false, { description: 'Say what is written' });
  tpod = Option.String('--tpod', { description: 'The tpod executable the units run (default: this one)' });
  dirs = Option.Rest({ name: 'NORMAL-DIR [EARLY-DIR] [LATE-DIR]' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    const { quadletEnv } = await import('../../quadlet/env.js');
    const { generateAll } = await import('../../quadlet/manage.js');
    const { writeGenerated } = await import('../../quadlet/output.js');
    // Generators log to the manager's stderr (the journal); no "WARN[0000]" decoration.
    const log = (msg: string): void => void process.stderr.write(`tpod-quadlet-generator[${process.pid}]: ${msg}\n`);
    const env = { ...quadletEnv(this.ctx, registeredCommands, this.tpod), warn: log };
    const out = this.dirs[0];
    if (!this.dryRun && out === undefined) throw new UsageError('missing output directory argument');
    const result = generateAll(env);
    for (const w of result.warnings) log(`warning: ${w}`);
    for (const e of result.errors) log(e.message);
    if (this.dryRun) {
      for (const u of result.units) process.stdout.write(`---${u.name}---\n${u.text}\n`);
    } else {
      writeGenerated(out!, result.units, log);
      if (this.verbose) for (const u of result.units) log(`wrote ${out}/${u.name}`);
    }
    return result.errors.length > 0 ? 1 : 0;
  }
}
