// One line from stdin, for the y/N questions Podman asks (prune). Stdin that is closed
// or not a terminal gives whatever it holds up to the first newline, or "".
export function readAnswer(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (): void => {
      input.removeListener('data', onData);
      input.removeListener('end', done);
      input.removeListener('error', done);
      input.pause();
      resolve(buf.split('\n')[0] ?? '');
    };
    const onData = (chunk: Buffer | string): void => {
      buf += chunk.toString();
      if (buf.includes('\n')) done();
    };
    input.on('data', onData);
    input.on('end', done);
    input.on('error', done);
    input.resume();
  });
}
