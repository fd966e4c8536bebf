import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class LogoutCommand extends TpodCommand {
  static override paths = [['logout']];
  static override usage = Command.Usage({
    description: 'Log out of a container registry',
    details: `
      Removes the credentials \`tpod login\` stored for REGISTRY (or for every registry
      with \`--all\`) from $XDG_RUNTIME_DIR/containers/auth.json, or from \`--authfile\`.
    `,
    examples: [
      ['Log out of a registry', '$0 logout quay.io'],
      ['Log out of every registry', '$0 logout --all'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove the cached credentials for all registries in the auth file' });
  authfile = Option.String('--authfile', { description: 'Path of the authentication file' });
  registry = Option.String({ required: false, name: 'REGISTRY' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    const login = await import('../../image/login.js');
    const locs = login.authLocationsFor(this.ctx, this.authfile);
    if (this.all) {
      if (this.registry !== undefined) throw new UsageError('--all takes no registry');
      login.logoutAll(locs);
      this.print('Removed login credentials for all registries');
      return 0;
    }
    const { key } = login.loginTarget(this.registry ?? login.defaultLoginRegistry(this.ctx));
    login.logout(locs, key);
    this.print(`Removed login credentials for ${key}`);
    return 0;
  }
}
