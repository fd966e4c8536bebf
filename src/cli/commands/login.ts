import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class LoginCommand extends TpodCommand {
  static override paths = [['login']];
  static override usage = Command.Usage({
    description: 'Log in to a container registry',
    details: `
      Checks the credentials against the registry, then stores them in
      $XDG_RUNTIME_DIR/containers/auth.json (the file Podman and skopeo use; \`--authfile\`
      or $REGISTRY_AUTH_FILE choose another). Without \`--username\`/\`--password\` tpod first
      tries the credentials already stored, then asks on the terminal; the password is
      never echoed or printed. A repository (\`quay.io/team/app\`) keeps credentials for
      that repository only. Without REGISTRY, the first unqualified-search registry of
      registries.conf is used.
    `,
    examples: [
      ['Log in, asking for the password', '$0 login -u alice quay.io'],
      ['Log in from a script', 'echo "$PASS" | $0 login -u alice --password-stdin quay.io'],
    ],
  });

  username = Option.String('-u,--username', { description: 'Username for the registry' });
  password = Option.String('-p,--password', { description: 'Password for the registry' });
  passwordStdin = Option.Boolean('--password-stdin', false, { description: 'Take the password from stdin' });
  tlsVerify = Option.String('--tls-verify', { tolerateBoolean: true, description: 'Require HTTPS and verify certificates when contacting registries (default: registries.conf decides)' });
  authfile = Option.String('--authfile', { description: 'Path of the authentication file' });
  certDir = Option.String('--cert-dir', { description: 'Use certificates at the specified path to access the registry' });
  getLogin = Option.Boolean('--get-login', false, { description: 'Return the current login user for the registry' });
  verbose = Option.Boolean('-v,--verbose', false, { description: 'Write more detailed information to stdout' });
  registry = Option.String({ required: false, name: 'REGISTRY' });

  async execute(): Promise<number> {
    const { UsageError, TpodError } = await import('../../errors.js');
    const { parseTlsVerify } = await import('../registry-flags.js');
    const login = await import('../../image/login.js');
    const { key, host } = login.loginTarget(this.registry ?? login.defaultLoginRegistry(this.ctx));
    const locs = login.authLocationsFor(this.ctx, this.authfile);
    if (this.getLogin) {
      const c = login.storedCredentials(locs, key);
      if (!c) throw new TpodError('EAUTH', `not logged into ${key}`);
      this.print(c.username);
      return 0;
    }
    if (this.passwordStdin && this.password !== undefined) throw new UsageError("can't specify both --password-stdin and --password");
    if (this.passwordStdin && this.username === undefined) throw new UsageError('must provide --username with --password-stdin');
    const access = {
      ...(parseTlsVerify(this.tlsVerify) !== undefined ? { tlsVerify: parseTlsVerify(this.tlsVerify)! } : {}),
      ...(this.certDir !== undefined ? { certDir: this.certDir } : {}),
    };
    if (this.verbose) this.print(`Used: ${locs.primary}`);
    if (this.username === undefined && this.password === undefined && !this.passwordStdin) {
      const existing = login.storedCredentials(locs, key);
      if (existing) {
        this.print(`Authenticating with existing credentials for ${key}`);
        if (await login.checkCredentials(this.ctx, host, existing, access)) {
          this.print(`Existing credentials are valid. Already logged in to ${key}`);
          return 0;
        }
        this.print('Existing credentials are invalid, please enter valid username and password');
      }
    }
    const prompt = await import('../password-prompt.js');
    let username = this.username;
    if (username === undefined) {
      const stored = login.storedCredentials(locs, key)?.username;
      const answer = await prompt.promptLine(stored ? `Username (${stored}): ` : 'Username: ');
      username = answer === '' && stored ? stored : answer;
    }
    if (username === '') throw new UsageError('username is empty');
    let password = this.password;
    if (this.passwordStdin) password = await prompt.readPasswordStdin();
    if (password === undefined) password = await prompt.promptHidden('Password: ');
    if (password === '') throw new UsageError('password is empty');
    const creds = { username, password };
    if (!(await login.checkCredentials(this.ctx, host, creds, access))) {
      throw new TpodError('EAUTH', `logging into "${key}": invalid username/password`);
    }
    login.saveLogin(locs, key, creds);
    this.print('Login Succeeded!');
    return 0;
  }
}
