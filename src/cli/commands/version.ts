import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';
import { VERSION } from '../../version.js';

export class VersionCommand extends TpodCommand {
  static override paths = [['version'], ['--version'], ['-v']];
  static override usage = Command.Usage({
    description: 'Display the tpod version information',
    details: 'Shows the version of tpod and of the Node.js it runs on. `--format` takes `json` or a Go template over `.Client`.',
    examples: [
      ['Show the version', '$0 version'],
      ['Print only the version number', '$0 version --format "{{.Client.Version}}"'],
    ],
  });

  format = Option.String('-f,--format', { description: 'Change the output format to JSON or a Go template' });

  async execute(): Promise<number> {
    const osArch = `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`;
    const info = { Client: { APIVersion: VERSION, Version: VERSION, GoVersion: '', NodeVersion: process.version, OsArch: osArch, Os: process.platform } };
    if (this.format !== undefined && this.format !== '') {
      const { isJsonFormat, goJson, compileTemplate } = await import('../format.js');
      // Podman prints version JSON compact, on one line.
      if (isJsonFormat(this.format)) this.print(goJson(info));
      else this.print(compileTemplate(this.format, { name: 'version' }).execute(info));
    } else if (this.path[0] === 'version') {
      const { formatTable } = await import('../table.js');
      const rows = [['Client:', 'tpod'], ['Version:', VERSION], ['API Version:', VERSION], ['Node Version:', process.version], ['OS/Arch:', osArch]];
      this.print(formatTable(null, rows, { minWidth: 0 }));
    } else {
      this.print(`tpod version ${VERSION}`);
    }
    return 0;
  }
}
