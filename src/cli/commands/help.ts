import { Command } from 'clipanion';
import { TpodCommand } from '../base.js';

export class HelpCommand extends TpodCommand {
  static override paths = [['help'], ['--help'], ['-h']];
  static override usage = Command.Usage({ description: 'Show the list of commands' });

  async execute(): Promise<number> {
    this.print(this.cli.usage(null));
    return 0;
  }
}
