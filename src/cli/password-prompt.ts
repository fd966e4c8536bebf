// Reading a username and a password from the terminal for `tpod login`: the password
// is not echoed, and nothing of it is kept beyond the returned string.
import { UsageError, TpodError } from '../errors.js';

/** A visible line from the terminal (stdin must be a TTY). */
export function promptLine(question: string): Promise<string> {
  return readTerminal(question, true);
}

/** A hidden line from the terminal. */
export function promptHidden(question: string): Promise<string> {
  return readTerminal(question, false);
}

function readTerminal(question: string, echo: boolean): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new UsageError('cannot prompt for credentials: stdin is not a terminal (use --username with --password-stdin)');
  process.stdout.write(question);
  return new Promise((resolve, reject) => {
    let buf = '';
    stdin.setRawMode(true);
    stdin.resume();
    const done = (err?: Error): void => {
      stdin.removeListener('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stdout.write('\n');
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new TpodError('EUSAGE', 'interrupted', { exitCode: 130 }));
        if (ch === '\u0004') return done(buf === '' ? new TpodError('EUSAGE', 'no input') : undefined);
        if (ch === '\u007f' || ch === '\b') {
          if (buf.length > 0) {
            buf = buf.slice(0, -1);
            if (echo) process.stdout.write('\b \b');
          }
          continue;
        }
        if (ch < ' ') continue;
        buf += ch;
        if (echo) process.stdout.write(ch);
      }
    };
    stdin.on('data', onData);
  });
}

/** All of stdin as the password (--password-stdin), without the final newline. */
export async function readPasswordStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
