import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';
import { VERSION } from '../../version.js';

export class VersionCommand extends TpodCommand {
  static override paths = [['version'], ['--version'], ['-v']];
  static override usage = Command.Usage({ description: 'Display the tpod version information' });

  format = Option.String('-f,--format', { description: 'Change the output format to JSON or a Go template' });

  async execute(): Promise<number> {
    const info = { Client: { Version: VERSION, APIVersion: VERSION, GoVersion: '', OsArch: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`, NodeVersion: process.version } };
    if (this.format === 'json') {
      this.print(JSON.stringify(info, null, 4));
    } else if (this.format) {
      const { renderTemplate } = await import('../format.js');
      this.print(renderTemplate(this.format, info));
    } else {
      this.print(`tpod version ${VERSION}`);
    }
    return 0;
  }
}
