// Human sizes and durations as Podman prints them (it uses docker/go-units): SI sizes with
// 3 significant digits ("1.99 MB"), "About an hour", "Up 5 minutes", "Exited (0) 2 seconds ago".

/** Go's `%.Ng`: N significant digits, trailing zeros dropped, exponent form for large/small values. */
export function goPrecision(n: number, digits: number): string {
  if (n === 0) return '0';
  const e = n.toExponential(digits - 1);
  const [mant, expStr] = e.split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= digits) {
    return `${mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant}e${exp >= 0 ? '+' : '-'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const fixed = n.toFixed(Math.max(0, digits - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function scale(size: number, base: number, units: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]!];
}

/** go-units HumanSizeWithPrecision: base 1000, `precision` significant digits, a space before the unit. */
export function humanSize(bytes: number, precision = 3): string {
  const [n, unit] = scale(bytes, 1000, DECIMAL);
  return `${goPrecision(n, precision)} ${unit}`;
}

/** go-units HumanSize(WithPrecision) itself: no space before the unit ("6.405MB", "0B"). */
export function compactSize(bytes: number, precision = 4): string {
  const [n, unit] = scale(bytes, 1000, DECIMAL);
  return `${goPrecision(n, precision)}${unit}`;
}

/** go-units BytesSize: base 1024, 4 significant digits ("1.5MiB"), as `podman stats` prints memory. */
export function bytesSize(bytes: number): string {
  const [n, unit] = scale(bytes, 1024, BINARY);
  return `${goPrecision(n, 4)}${unit}`;
}

const SIZE_RE = /^(\d+(?:\.\d+)*) ?([kmgtp])?(i)?b?$/i;

function parseSize(s: string, base: number): number | undefined {
  const m = SIZE_RE.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!Number.isFinite(n)) return undefined;
  const power = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.floor(n * base ** power);
}

/** go-units RAMInBytes, as `--memory 512m` / `--shm-size 64m` read sizes: k/m/g/t/p are powers of 1024. */
export function ramInBytes(s: string): number | undefined {
  return parseSize(s, 1024);
}

/** go-units FromHumanSize: k/m/g/t/p are powers of 1000. */
export function fromHumanSize(s: string): number | undefined {
  return parseSize(s, 1000);
}

/** go-units HumanDuration (v0.5): "Less than a second", "About a minute", "3 hours", "2 weeks", "2 years". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  // Hours round to the nearest; the larger units count whole ones from that.
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

type TimeLike = Date | number | string;

function toMs(t: TimeLike): number {
  if (t instanceof Date) return t.getTime();
  if (typeof t === 'number') return t;
  return Date.parse(t);
}

/** "5 minutes ago", as Podman's CREATED column. Future times (clock skew) count as now. */
export function timeAgo(t: TimeLike, now: TimeLike = Date.now()): string {
  return humanDuration(Math.max(0, toMs(now) - toMs(t))) + ' ago';
}

export interface StatusInput {
  /** Podman's state names: created, running, paused, exited, stopped, stopping, removing, ... */
  state: string;
  startedAt?: TimeLike | undefined;
  exitedAt?: TimeLike | undefined;
  exitCode?: number | undefined;
  /** Health check status ("healthy", "unhealthy", "starting"), shown in parentheses. */
  health?: string | undefined;
}

/** The STATUS column of `podman ps`: "Up 5 minutes", "Exited (0) 2 seconds ago", "Created", "Paused". */
export function containerStatus(s: StatusInput, now: TimeLike = Date.now()): string {
  const since = (t: TimeLike | undefined): string => humanDuration(t === undefined ? 0 : Math.max(0, toMs(now) - toMs(t)));
  let out: string;
  switch (s.state) {
    case 'running':
      out = `Up ${since(s.startedAt)}`;
      break;
    case 'exited':
    case 'stopped':
      out = `Exited (${s.exitCode ?? 0}) ${since(s.exitedAt)} ago`;
      break;
    case 'configured':
      out = 'Created';
      break;
    default:
      out = s.state.charAt(0).toUpperCase() + s.state.slice(1);
  }
  if (s.health) out += ` (${s.health})`;
  return out;
}
