import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class VersionCommand extends TpodCommand {
  static override paths = [['version'], ['--version'], ['-v']];
  static override usage = Command.Usage({
    description: 'Display the tpod version information',
    details: `
      Shows the version of tpod, the Node.js it runs on (as Go Version, where Podman names
      its Go toolchain) and when it was built. \`--format\` takes \`json\` or a Go template
      over \`.Client\` (.Version .APIVersion .GoVersion .GitCommit .BuiltTime .Built .OsArch
      .Os); as in Podman, a template naming \`.Server\` reads the client when there is no
      server.
    `,
    examples: [
      ['Show the version', '$0 version'],
      ['Print only the version number', '$0 version --format "{{.Client.Version}}"'],
    ],
  });

  format = Option.String('-f,--format', { description: 'Change the output format to JSON or a Go template' });

  async execute(): Promise<number> {
    const { versionReport } = await import('../../engine/version.js');
    const client = versionReport();
    const report = { Client: client };
    if (this.format !== undefined && this.format !== '') {
      const { isJsonFormat, goJson, compileTemplate } = await import('../format.js');
      // Podman prints version JSON compact, on one line.
      if (isJsonFormat(this.format)) {
        this.print(goJson(report));
        return 0;
      }
      try {
        this.print(compileTemplate(this.format, { name: 'version' }).execute(report));
      } catch {
        // Podman's fallback: no server here, so `.Server.X` means the client's X.
        this.print(compileTemplate(this.format.replaceAll('.Server.', '.'), { name: 'version' }).execute(client));
      }
    } else if (this.path[0] === 'version') {
      const { formatTable } = await import('../table.js');
      const rows = [
        ['Client:', 'tpod'],
        ['Version:', client.Version],
        ['API Version:', client.APIVersion],
        ['Go Version:', client.GoVersion],
        ...(client.GitCommit ? [['Git Commit:', client.GitCommit]] : []),
        ['Built:', client.BuiltTime],
        ['OS/Arch:', client.OsArch],
      ];
      this.print(formatTable(null, rows, { minWidth: 0 }));
    } else {
      this.print(`tpod version ${client.Version}`);
    }
    return 0;
  }
}
