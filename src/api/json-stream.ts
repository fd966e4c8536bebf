// Docker's streamed JSON answers (pull, push, load, build): one JSON message per line.
// The status line goes out with the first message, so a failure before any progress
// (an unknown image, bad credentials) is still a plain HTTP error the client shows as
// "Error response from daemon"; once streaming, a failure is an {"error", "errorDetail"}
// line, which the docker CLI prints and exits 1 on.
import type { Writable } from 'node:stream';
import type { ApiCall } from './http.js';
import type { PullReporter } from '../image/pull-progress.js';
import { errorAnswer } from './errors.js';

export class JsonStream {
  #out: Writable | undefined;
  constructor(private readonly call: ApiCall) {}

  get started(): boolean {
    return this.#out !== undefined;
  }

  /** Sends the status line now (endpoints that always stream). */
  start(): void {
    this.#out ??= this.call.stream(200, 'application/json');
  }

  write(msg: Record<string, unknown>): void {
    this.start();
    const out = this.#out!;
    // A client that went away: the work goes on (and ends whole); nobody reads the lines.
    if (out.destroyed || out.writableEnded) return;
    out.write(`${JSON.stringify(msg)}\n`);
  }

  /** Ends the stream, or answers with ERR as a plain HTTP error when nothing was sent yet. */
  fail(err: unknown): void {
    if (!this.started) throw err;
    const { message } = errorAnswer(err);
    this.write({ errorDetail: { message }, error: message });
    this.end();
  }

  end(): void {
    this.start();
    if (!this.#out!.writableEnded) this.#out!.end();
  }
}

/** Docker's progress bar text: `[=====>     ]  1.2MB/3.4MB` (decimal units, as go-units' HumanSize). */
export function progressBar(current: number, total: number, width = 50): string {
  const human = (n: number): string => {
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let v = n;
    let i = 0;
    while (v >= 1000 && i < units.length - 1) {
      v /= 1000;
      i++;
    }
    return `${Number(v.toPrecision(4))}${units[i]}`;
  };
  if (total <= 0) return human(current);
  const filled = Math.min(width, Math.floor((current / total) * width));
  const bar = filled >= width ? '='.repeat(width) : `${'='.repeat(filled)}>${' '.repeat(width - filled - 1)}`;
  return `[${bar}] ${human(current).padStart(8)}/${human(total)}`;
}

function short(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * Pull (and push) progress as the Docker daemon words it: "Pulling fs layer",
 * "Downloading" with progressDetail, "Download complete", "Pull complete", "Already
 * exists" per layer, each with the layer's short digest as its id.
 */
export class DockerProgress implements PullReporter {
  /** Layers actually transferred. */
  transferred = 0;
  readonly #sizes = new Map<string, number>();
  readonly #last = new Map<string, number>();
  #headerSent = false;

  constructor(
    private readonly stream: JsonStream,
    /** The first line ("Pulling from library/busybox" with the tag as id), sent with the first layer. */
    private readonly header: Record<string, unknown> | undefined,
    private readonly words: { start: string; moving: string; done: string[]; skipped: string } = PULL_WORDS,
    private readonly now: () => number = Date.now,
  ) {}

  #send(msg: Record<string, unknown>): void {
    if (!this.#headerSent && this.header) this.stream.write(this.header);
    this.#headerSent = true;
    this.stream.write(msg);
  }

  note(): void {}

  blobStart(digest: string, size: number): void {
    this.#sizes.set(digest, size);
    this.transferred++;
    this.#send({ status: this.words.start, progressDetail: {}, id: short(digest) });
  }

  blobProgress(digest: string, bytes: number): void {
    const t = this.now();
    // At most five lines a second per layer: clients redraw on each.
    if (t - (this.#last.get(digest) ?? 0) < 200) return;
    this.#last.set(digest, t);
    const total = this.#sizes.get(digest) ?? 0;
    this.#send({ status: this.words.moving, progressDetail: { current: bytes, total }, progress: progressBar(bytes, total), id: short(digest) });
  }

  blobDone(digest: string): void {
    for (const status of this.words.done) this.#send({ status, progressDetail: {}, id: short(digest) });
  }

  blobSkipped(digest: string): void {
    this.#send({ status: this.words.skipped, progressDetail: {}, id: short(digest) });
  }

  configStart(): void {}
  configDone(): void {}
  finish(): void {}
  restart(): void {}
}

export const PULL_WORDS = { start: 'Pulling fs layer', moving: 'Downloading', done: ['Download complete', 'Pull complete'], skipped: 'Already exists' };
export const PUSH_WORDS = { start: 'Preparing', moving: 'Pushing', done: ['Pushed'], skipped: 'Layer already exists' };
