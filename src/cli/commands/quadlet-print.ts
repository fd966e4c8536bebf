import { Command, Option } from 'clipanion';
import { TpodCommand, registeredCommands } from '../base.js';

export class QuadletPrintCommand extends TpodCommand {
  static override paths = [['quadlet', 'print']];
  static override usage = Command.Usage({
    description: 'Display the contents of a Quadlet',
    details: `
      Prints the Quadlet file systemd would read under that name (or the file at a path).
      With \`--unit\`, prints the systemd unit tpod makes from it instead, as the generator
      or \`tpod quadlet install\` would write it, with warnings about keys it cannot carry out.
    `,
    examples: [
      ['The Quadlet file', '$0 quadlet print web.container'],
      ['The unit made from it', '$0 quadlet print --unit web.container'],
    ],
  });

  unit = Option.Boolean('--unit', false, { description: 'Print the generated systemd unit instead of the Quadlet file' });
  name = Option.String({ name: 'QUADLET' });

  async execute(): Promise<number> {
    const { quadletEnv } = await import('../../quadlet/env.js');
    const { readQuadletText, unitFor } = await import('../../quadlet/manage.js');
    const env = quadletEnv(this.ctx, registeredCommands);
    if (!this.unit) {
      process.stdout.write(readQuadletText(env, this.name));
      return 0;
    }
    const { text, warnings } = unitFor(env, this.name);
    for (const w of warnings) env.warn(w);
    process.stdout.write(text);
    return 0;
  }
}
