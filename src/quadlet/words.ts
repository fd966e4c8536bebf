// systemd's word rules for unit file values: splitting `Exec=`-like values into words
// (quotes, C escapes) and quoting words back into an `ExecStart=` command line. Quadlet
// files use the same rules, so `Exec=sh -c "echo hi"` means what it means in a unit.
import { cEscape } from '../systemd/unit-file.js';

export interface SplitOptions {
  /** Remove quotes ("..." and '...') and keep separators inside them. */
  unquote?: boolean;
  /** Turn C escapes (\n, \t, \x41, \s ...) into their characters; else `\` escapes the next character literally. */
  cunescape?: boolean;
  /** `\` is an ordinary character (systemd's strv keys: WantedBy=, Alias=). */
  retainEscape?: boolean;
}

const SEPARATORS = ' \t\n\r';

/** A word could not be read: an unbalanced quote or an escape systemd does not know. */
export class WordError extends Error {}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'", s: ' ',
};

/** One C escape at s[i] (the character after the backslash): [text, characters used]. */
function cUnescapeOne(s: string, i: number): [string, number] | undefined {
  const c = s[i];
  if (c === undefined) return undefined;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, 1];
  const hex = (n: number): number | undefined => {
    const digits = s.slice(i + 1, i + 1 + n);
    return digits.length === n && /^[0-9a-fA-F]+$/.test(digits) ? parseInt(digits, 16) : undefined;
  };
  if (c === 'x') {
    const v = hex(2);
    return v === undefined || v === 0 ? undefined : [String.fromCharCode(v), 3];
  }
  if (c === 'u' || c === 'U') {
    const n = c === 'u' ? 4 : 8;
    const v = hex(n);
    return v === undefined || v === 0 || v > 0x10ffff ? undefined : [String.fromCodePoint(v), n + 1];
  }
  if (c >= '0' && c <= '7') {
    const digits = s.slice(i, i + 3);
    if (!/^[0-7]{3}$/.test(digits)) return undefined;
    const v = parseInt(digits, 8);
    return v === 0 || v > 255 ? undefined : [String.fromCharCode(v), 3];
  }
  return undefined;
}

/**
 * Splits a value into words as systemd does for command lines (relaxed: an unbalanced
 * quote ends at the end of the value). Throws WordError on an unknown escape.
 */
export function splitWords(value: string, opts: SplitOptions = {}): string[] {
  const words: string[] = [];
  let i = 0;
  const n = value.length;
  while (i < n) {
    while (i < n && SEPARATORS.includes(value[i]!)) i++;
    if (i >= n) break;
    let word = '';
    let quote: string | undefined;
    for (; i < n; i++) {
      const c = value[i]!;
      if (c === '\\' && !opts.retainEscape) {
        i++;
        if (i >= n) break; // a trailing backslash is dropped (relaxed)
        if (opts.cunescape) {
          const esc = cUnescapeOne(value, i);
          if (!esc) throw new WordError(`unknown escape "\\${value[i]}"`);
          word += esc[0];
          i += esc[1] - 1;
        } else {
          word += value[i];
        }
        continue;
      }
      if (quote !== undefined) {
        if (c === quote) quote = undefined;
        else word += c;
        continue;
      }
      if ((c === '"' || c === "'") && opts.unquote) {
        quote = c;
        continue;
      }
      if (SEPARATORS.includes(c)) break;
      word += c;
    }
    words.push(word);
  }
  return words;
}

function needsQuoting(word: string): boolean {
  if (word === '') return true;
  for (const ch of word) {
    const code = ch.codePointAt(0)!;
    if (code > 127) continue;
    if (code < 32 || code === 127 || ch === ' ' || ch === '"' || ch === "'" || ch === '\\') return true;
  }
  return false;
}

/** Quotes one word for a unit file command line if it needs it. */
export function quoteWord(word: string): string {
  return needsQuoting(word) ? `"${cEscape(word)}"` : word;
}

/** A command line for ExecStart= and friends. */
export function joinWords(words: string[]): string {
  return words.map(quoteWord).join(' ');
}
