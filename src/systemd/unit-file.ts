// Writing (and reading back) systemd unit files: sections of KEY=VALUE lines, command
// lines quoted the way systemd splits them, and the two expansions systemd applies to
// values, which a literal must escape: specifiers (%n, %t: "%" -> "%%") everywhere, and
// environment variables ($X, ${X}: "$" -> "$$") in Exec*= lines.
// See systemd.unit(5) "SPECIFIERS" and systemd.service(5) "COMMAND LINES".

export interface UnitSection {
  name: string;
  /** In order; a key may repeat (ExecStartPre=, Environment=). */
  entries: Array<[string, string]>;
}

export interface UnitFile {
  /** Comment lines at the top, without the leading "# ". */
  header?: string[];
  sections: UnitSection[];
}

const KEY_RE = /^[A-Za-z][A-Za-z0-9-]*$/;

/** "%" becomes "%%": the value reaches the program as written, not as a specifier. */
export function escapeSpecifiers(s: string): string {
  return s.replace(/%/g, '%%');
}

/** Characters an unquoted word may hold without systemd reading them differently. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./^-]+$/;

/** C escapes for a double-quoted word of a unit file (also Quadlet's quoteWord). */
export function cEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/**
 * One argument of an Exec*= line, so that systemd passes exactly ARG to the program:
 * specifiers and "$" escaped, quoted (with C escapes) when it holds anything but plain
 * characters. With `specifiers: false` "%" is left alone, for values that are meant to
 * be expanded (%t/%n.ctr-id).
 */
export function quoteArg(arg: string, o: { specifiers?: boolean; variables?: boolean } = {}): string {
  let s = o.specifiers === false ? arg : escapeSpecifiers(arg);
  if (o.variables !== false) s = s.replace(/\$/g, '$$$$');
  if (s !== '' && PLAIN_WORD.test(s)) return s;
  return `"${cEscape(s)}"`;
}

/** A word of an Environment= line: "NAME=VALUE", quoted when needed (no "$" expansion there). */
export function quoteAssignment(name: string, value: string): string {
  return quoteArg(`${name}=${value}`, { variables: false });
}

/** A word known to be a literal the unit wants expanded by systemd (%t/%n.ctr-id): left as it is. */
export interface Verbatim {
  verbatim: string;
}

export type ExecWord = string | Verbatim;

/**
 * An Exec*= value from argv. With `wrap`, options (words starting with "-") begin a new
 * continuation line, as Podman's generated units read.
 */
export function execLine(argv: readonly ExecWord[], o: { wrap?: boolean } = {}): string {
  let out = '';
  argv.forEach((w, i) => {
    const text = typeof w === 'string' ? quoteArg(w) : w.verbatim;
    if (i === 0) out = text;
    else if (o.wrap && text.startsWith('-')) out += ` \\\n\t${text}`;
    else out += ` ${text}`;
  });
  return out;
}

/** The unit file's text. Throws on a key or value systemd would read differently. */
export function serializeUnit(u: UnitFile): string {
  const lines: string[] = [];
  for (const h of u.header ?? []) lines.push(h === '' ? '#' : `# ${h.replace(/\n/g, ' ')}`);
  for (const sec of u.sections) {
    if (lines.length > 0) lines.push('');
    if (!/^[A-Za-z][A-Za-z0-9 _-]*$/.test(sec.name)) throw new Error(`invalid unit section name "${sec.name}"`);
    lines.push(`[${sec.name}]`);
    for (const [k, v] of sec.entries) {
      if (!KEY_RE.test(k)) throw new Error(`invalid unit key "${k}"`);
      // A newline is only allowed as a continuation (backslash before it).
      if (/(^|[^\\])\n/.test(v)) throw new Error(`unit value for ${k} has a bare newline`);
      lines.push(`${k}=${v}`);
    }
  }
  return lines.join('\n') + '\n';
}

// ---- reading back (tests, tools): systemd's own rules, as far as units here use them ----

/** Parses unit text: comments dropped, continuation lines joined, sections in order. */
export function parseUnit(text: string): UnitFile {
  const header: string[] = [];
  const sections: UnitSection[] = [];
  let current: UnitSection | undefined;
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i]!;
    if (current === undefined && /^[#;]/.test(line)) {
      header.push(line.replace(/^[#;] ?/, ''));
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === '' || /^[#;]/.test(trimmed)) continue;
    const sec = /^\[([^\]]+)\]$/.exec(trimmed);
    if (sec) {
      current = { name: sec[1]!, entries: [] };
      sections.push(current);
      continue;
    }
    while (line.endsWith('\\') && i + 1 < raw.length) {
      line = line.slice(0, -1) + ' ' + raw[++i]!.trim();
    }
    const eq = line.indexOf('=');
    if (eq < 0 || !current) continue;
    current.entries.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return { header, sections };
}

/** All values of KEY in SECTION. */
export function unitValues(u: UnitFile, section: string, key: string): string[] {
  return u.sections.filter((s) => s.name === section).flatMap((s) => s.entries.filter(([k]) => k === key).map(([, v]) => v));
}

/**
 * Splits an Exec*= value into words as systemd does (quotes, C escapes), undoing "%%"
 * and "$$" (other specifiers and variables are left as written).
 */
export function splitExecLine(value: string): string[] {
  const words: string[] = [];
  let i = 0;
  const n = value.length;
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", ' ': ' ' };
  while (i < n) {
    while (i < n && /\s/.test(value[i]!)) i++;
    if (i >= n) break;
    let w = '';
    while (i < n && !/\s/.test(value[i]!)) {
      const ch = value[i]!;
      if (ch === '"' || ch === "'") {
        const q = ch;
        i++;
        while (i < n && value[i] !== q) {
          if (value[i] === '\\' && i + 1 < n) {
            const e = value[i + 1]!;
            if (e === 'x') {
              w += String.fromCharCode(parseInt(value.slice(i + 2, i + 4), 16));
              i += 4;
              continue;
            }
            w += escapes[e] ?? e;
            i += 2;
            continue;
          }
          w += value[i];
          i++;
        }
        i++; // the closing quote
        continue;
      }
      if (ch === '\\' && i + 1 < n) {
        w += escapes[value[i + 1]!] ?? value[i + 1];
        i += 2;
        continue;
      }
      w += ch;
      i++;
    }
    words.push(w.replace(/%%/g, '%').replace(/\$\$/g, '$'));
  }
  return words;
}
