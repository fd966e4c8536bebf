// What pull tells the user while it works, on stderr (stdout gets only the image ID):
// - a terminal: one live line per layer, redrawn in place, as Podman draws them
//   (`Copying blob 5bc5cd786434 [=====>-----] 1.0MiB / 2.0MiB | 12.3 MiB/s`);
// - anything else: plain lines, one per event, nothing redrawn;
// - quiet (-q): nothing.

export interface PullReporter {
  /** A line of its own ("Trying to pull ...", "Resolved ... as an alias"). */
  note(line: string): void;
  blobStart(digest: string, size: number): void;
  blobProgress(digest: string, bytes: number): void;
  blobDone(digest: string): void;
  blobSkipped(digest: string): void;
  configStart(digest: string, size: number): void;
  configDone(digest: string): void;
  /** Stops redrawing (before an error or the final lines). */
  finish(): void;
  /** A new attempt (the next registry or mirror) may draw again. */
  restart(): void;
}

export const silentReporter: PullReporter = {
  note: () => undefined,
  blobStart: () => undefined,
  blobProgress: () => undefined,
  blobDone: () => undefined,
  blobSkipped: () => undefined,
  configStart: () => undefined,
  configDone: () => undefined,
  finish: () => undefined,
  restart: () => undefined,
};

/** Sizes the way go-units (and so Podman's progress bars) print them: 1.0MiB, 247.0b. */
export function progressSize(n: number): string {
  const units = ['b', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)}${units[i]}`;
}

function short(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Plain lines for logs and pipes. */
export class LineReporter implements PullReporter {
  constructor(private readonly write: (s: string) => void) {}
  note(line: string): void {
    this.write(`${line}\n`);
  }
  blobStart(digest: string): void {
    this.write(`Copying blob ${digest}\n`);
  }
  blobProgress(): void {}
  blobDone(): void {}
  blobSkipped(digest: string): void {
    this.write(`Copying blob ${short(digest)} skipped: already exists\n`);
  }
  configStart(digest: string): void {
    this.write(`Copying config ${digest}\n`);
  }
  configDone(): void {}
  finish(): void {}
  restart(): void {}
}

interface Bar {
  label: string;
  size: number;
  bytes: number;
  state: 'active' | 'done' | 'skipped';
  started: number;
  /** Recent (time, bytes) samples for the rate. */
  samples: Array<[number, number]>;
}

/** Live per-layer bars on a terminal, redrawn at most every 100 ms. */
export class TtyReporter implements PullReporter {
  private readonly bars = new Map<string, Bar>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(private readonly write: (s: string) => void, private readonly columns: () => number = () => 80, private readonly now: () => number = Date.now) {}

  note(line: string): void {
    if (this.finished) {
      this.write(`${line}\n`);
      return;
    }
    this.clear();
    this.write(`${line}\n`);
    this.draw();
  }

  private add(key: string, label: string, size: number, state: Bar['state']): void {
    this.bars.set(key, { label, size, bytes: 0, state, started: this.now(), samples: [] });
    this.schedule();
  }

  blobStart(digest: string, size: number): void {
    this.add(digest, `Copying blob ${short(digest)}`, size, 'active');
  }

  blobProgress(digest: string, bytes: number): void {
    const b = this.bars.get(digest);
    if (!b) return;
    b.bytes = bytes;
    const t = this.now();
    b.samples.push([t, bytes]);
    while (b.samples.length > 2 && t - b.samples[0]![0] > 2000) b.samples.shift();
    this.schedule();
  }

  blobDone(digest: string): void {
    const b = this.bars.get(digest);
    if (b) {
      b.state = 'done';
      b.bytes = b.size;
    }
    this.schedule();
  }

  blobSkipped(digest: string): void {
    this.add(digest, `Copying blob ${short(digest)}`, 0, 'skipped');
  }

  configStart(digest: string, size: number): void {
    this.add(`config:${digest}`, `Copying config ${digest.replace(/^sha256:/, '').slice(0, 10)}`, size, 'active');
  }

  configDone(digest: string): void {
    this.blobDone(`config:${digest}`);
  }

  private schedule(): void {
    if (this.finished || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.redraw();
    }, 100);
    this.timer.unref();
  }

  private clear(): void {
    if (this.drawn > 0) this.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private line(b: Bar): string {
    if (b.state === 'done') return `${b.label} done`;
    if (b.state === 'skipped') return `${b.label} skipped: already exists`;
    const amount = `${progressSize(b.bytes)} / ${progressSize(b.size)}`;
    const first = b.samples[0];
    const last = b.samples[b.samples.length - 1];
    let rate = '';
    if (first && last && last[0] > first[0]) rate = ` | ${progressSize(((last[1] - first[1]) * 1000) / (last[0] - first[0]))}/s`;
    const room = Math.max(this.columns() - b.label.length - amount.length - rate.length - 5, 10);
    const width = Math.min(room, 40);
    const frac = b.size > 0 ? Math.min(b.bytes / b.size, 1) : 0;
    const full = Math.round(frac * width);
    const bar = full >= width ? '='.repeat(width) : `${'='.repeat(full)}>${'-'.repeat(Math.max(width - full - 1, 0))}`;
    return `${b.label} [${bar}] ${amount}${rate}`;
  }

  private draw(): void {
    const cols = this.columns();
    const lines = [...this.bars.values()].map((b) => {
      const l = this.line(b);
      return l.length > cols - 1 ? l.slice(0, Math.max(cols - 1, 1)) : l;
    });
    if (lines.length === 0) return;
    this.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }

  private redraw(): void {
    this.clear();
    this.draw();
  }

  finish(): void {
    if (this.finished) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.redraw();
    // What is on the screen stays; the next pull attempt starts a new set of bars.
    this.drawn = 0;
    this.bars.clear();
    this.finished = true;
  }

  restart(): void {
    this.finished = false;
  }
}
