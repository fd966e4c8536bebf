import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

const DEFAULT_FORMAT = '{{.Unit}}\t{{.Container}}\t{{.Image}}\t{{.Policy}}\t{{.Updated}}';

/** A report as `--format` sees it (Podman's field names and JSON keys, in its order). */
class Row {
  constructor(
    readonly Unit: string,
    readonly Container: string,
    readonly ContainerName: string,
    readonly ContainerID: string,
    readonly Image: string,
    readonly Policy: string,
    readonly Updated: string,
  ) {}
}

export class AutoUpdateCommand extends TpodCommand {
  static override paths = [['auto-update']];
  static override usage = Command.Usage({
    description: 'Auto update containers according to their auto-update policy',
    details: `
      Looks at running containers labelled \`io.containers.autoupdate\` and run by a systemd
      unit (the \`PODMAN_SYSTEMD_UNIT\` label, which create records from the environment of
      units made by \`tpod generate systemd --new\`).

      \`registry\` (or \`image\`): the container's image must be named with a registry and a
      tag (e.g. quay.io/podman/stable:latest). When the digest of the registry's manifest
      differs from the stored image's, the image is pulled and the unit restarted.
      \`local\`: when the container's image name now points to another stored image (after
      a pull, build or tag), the unit is restarted.

      Each unit is restarted once (\`systemctl --user restart\`), and must be active
      afterwards. If it is not, and --rollback is on (the default), the previous image gets
      its name back and the unit is restarted again: UPDATED says "rolled back". UPDATED is
      true, false, pending (--dry-run), rolled back or failed. Problems (a bad label, a
      registry that cannot be reached, a unit that fails and cannot be rolled back) are
      reported after the table, with exit code 125. The label
      \`io.containers.autoupdate.authfile\` names an auth file for one container.

      --format takes \`json\` or a Go template over the fields .Unit, .Container,
      the ID and name as .ContainerID and .ContainerName, .Image, .Policy and .Updated.
    `,
    examples: [
      ['Update what has a newer image', '$0 auto-update'],
      ['Only check', '$0 auto-update --dry-run --format "{{.Image}} {{.Updated}}"'],
      ['With an auth file', '$0 auto-update --authfile ~/auth.json'],
    ],
  });

  authfile = Option.String('--authfile', { description: 'Path to the authentication file' });
  dryRun = Option.Boolean('--dry-run', false, { description: 'Check for pending updates' });
  format = Option.String('--format', { description: 'Change the output format to JSON or a Go template' });
  rollback = Option.String('--rollback', { tolerateBoolean: true, description: 'Rollback to previous image if update fails (default true)' });
  tlsVerify = Option.String('--tls-verify', { tolerateBoolean: true, description: 'Require HTTPS and verify certificates when contacting registries (default: registries.conf decides)' });

  async execute(): Promise<number> {
    const { UsageError, TpodError } = await import('../../errors.js');
    const { parseTlsVerify } = await import('../registry-flags.js');
    const r = this.rollback;
    if (r !== undefined && typeof r !== 'boolean' && !['true', 'false', '1', '0'].includes(r)) {
      throw new UsageError(`invalid argument "${r}" for "--rollback" flag: strconv.ParseBool: parsing "${r}": invalid syntax`);
    }
    const rollback = r === undefined || r === true || r === 'true' || r === '1';
    const tlsVerify = parseTlsVerify(this.tlsVerify);
    const { autoUpdate, hostDeps } = await import('../../autoupdate/update.js');
    const { pullReporter } = await import('../pull-reporter.js');
    const deps = await hostDeps(this.ctx, await pullReporter(false));
    let result;
    try {
      result = await autoUpdate({ dryRun: this.dryRun, rollback, authfile: this.authfile, tlsVerify }, deps);
    } finally {
      deps.close();
    }
    if (result.reports.length > 0) {
      const rows = result.reports.map(
        (x) => new Row(x.unit, `${x.containerId.slice(0, 12)} (${x.containerName})`, x.containerName, x.containerId, x.image, x.policy, x.updated),
      );
      const { printList } = await import('../table.js');
      printList(rows, { format: this.format, defaultFormat: DEFAULT_FORMAT, jsonIndent: 4, name: 'auto-update' });
    }
    const errs = result.errors;
    if (errs.length === 1) throw errs[0]!;
    if (errs.length > 1) {
      throw new TpodError(errs[0]!.code, `${errs.length} errors occurred:\n${errs.map((e) => `\t* ${e.message}`).join('\n')}`);
    }
    return 0;
  }
}
