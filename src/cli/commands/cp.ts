import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class CpCommand extends TpodCommand {
  static override paths = [['cp'], ['container', 'cp']];
  static override usage = Command.Usage({
    description: 'Copy files/folders between a container and the local filesystem',
    details: `
      Copies SRC to DEST, where either (or both) is CONTAINER:PATH; \`-\` is a tar stream on
      stdin (into a container directory) or stdout (out of a container). The container may
      be running (its volumes and tmpfs mounts are seen) or not. As with Podman: into an
      existing directory the source keeps its name (\`SRC/.\` copies a directory's
      contents), else the destination names it and its parent must exist; a directory and
      a file never replace each other without \`--overwrite\`. Copied into a container,
      files belong to its user (\`--archive=false\` keeps the archive's owners); copied
      out, to you.

      Paths in the container are looked up inside it: a symlink there (even \`/x -> /\`)
      resolves against the container's root, never the host's.
    `,
    examples: [
      ['Copy a file into a container', '$0 cp ./config.yml web:/etc/app/'],
      ['Copy test reports out', '$0 cp ci:/work/reports ./reports'],
      ['Stream a directory out as tar', '$0 cp web:/var/log - > logs.tar'],
    ],
  });

  archive = Option.String('-a,--archive', { tolerateBoolean: true, description: 'Chown copied files to the primary uid/gid of the destination container (default true)' });
  overwrite = Option.Boolean('--overwrite', false, { description: 'Allow to overwrite directories with non-directories and vice versa' });
  followLink = Option.Boolean('-L,--follow-link', false, { description: 'A host source that is a symlink is copied as what it points to (under the link\'s name)' });
  pause = Option.String('--pause', { tolerateBoolean: true, description: 'Accepted for Podman compatibility; containers are not paused rootless' });
  src = Option.String({ name: 'SRC_PATH' });
  dest = Option.String({ name: 'DEST_PATH' });

  async execute(): Promise<number> {
    const { parseCpArg, copy } = await import('../../engine/cp.js');
    const { UsageError } = await import('../../errors.js');
    const archive = this.archive === undefined || this.archive === true || this.archive === 'true';
    if (!archive && this.archive !== false && this.archive !== 'false') throw new UsageError(`invalid argument "${String(this.archive)}" for "-a, --archive" flag: strconv.ParseBool: parsing "${String(this.archive)}": invalid syntax`);
    const src = parseCpArg(this.src === '/dev/stdin' ? '-' : this.src);
    const dest = parseCpArg(this.dest);
    if (dest.kind === 'stream' && process.stdout.isTTY) throw new UsageError('refusing to write a tar archive to a terminal; redirect the output');
    await copy(this.ctx, src, dest, { archive, overwrite: this.overwrite, followLink: this.followLink, stdin: process.stdin, stdout: process.stdout });
    if (dest.kind === 'stream') {
      const { drain } = await import('../../util/output-file.js');
      await drain(process.stdout);
    }
    return 0;
  }
}
