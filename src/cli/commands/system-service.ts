import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';
import { UsageError } from '../../errors.js';

export class SystemServiceCommand extends TpodCommand {
  static override paths = [['system', 'service']];
  static override usage = Command.Usage({
    description: 'Run an API service',
    details: `
      Serves the Docker Engine API (version 1.41) over a unix socket, so docker, docker-compose,
      testcontainers and dockerode drive tpod with only DOCKER_HOST set. The default socket is
      $XDG_RUNTIME_DIR/tpod/tpod.sock (0600); a tcp:// URI is served only when given, and has no
      authentication. The service exits after --time seconds with no request or stream in
      flight (0: never); containers keep running under their own monitors.
    `,
    examples: [
      ['Serve on the default socket until idle for 5 s', '$0 system service'],
      ['Serve until stopped', '$0 system service --time 0'],
      ['Serve on another socket', '$0 system service --time 0 unix:///tmp/tpod.sock'],
    ],
  });

  time = Option.String('-t,--time', '5', { description: 'Time until the service session expires in seconds. Use 0 to disable the timeout' });
  cors = Option.String('--cors', { description: 'Set CORS Headers' });
  uri = Option.String({ required: false, name: 'URI' });

  async execute(): Promise<number> {
    if (!/^\d+$/.test(this.time)) throw new UsageError(`invalid argument "${this.time}" for "-t, --time" flag: want a whole number of seconds`);
    const { startService } = await import('../../api/service.js');
    if (this.uri !== undefined) (await import('../../api/listen.js')).parseListenUri(this.uri);
    if (this.uri?.startsWith('tcp:')) this.ctx.log.warn('Using the Docker API over TCP: it has no authentication, so anyone who can reach the port controls your containers');
    const running = await startService(this.ctx, {
      ...(this.uri !== undefined ? { uri: this.uri } : {}),
      ...(this.cors !== undefined ? { cors: this.cors } : {}),
      idleSeconds: Number(this.time),
    });
    const stop = (): void => running.server.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await running.closed;
    return 0;
  }
}
