// Variable substitution in instruction arguments, as Docker's word expansion does it:
// $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:+alt}, ${VAR+alt}; the escape
// character before `$` keeps it literal. RUN, CMD and ENTRYPOINT are left to the shell.
import { TpodError } from '../errors.js';

export type Vars = ReadonlyMap<string, string>;

function readName(s: string, i: number): string {
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
  return m ? m[0] : '';
}

/** `text` with the variables in `vars` substituted (unset ones become ""). */
export function expand(text: string, vars: Vars, escape = '\\'): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === escape && text[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    if (c !== '$') {
      out += c;
      continue;
    }
    if (text[i + 1] === '{') {
      const close = matchingBrace(text, i + 1);
      if (close < 0) throw new TpodError('EUSAGE', `missing "}" in "${text}"`);
      out += substitute(text.slice(i + 2, close), vars, escape, text);
      i = close;
      continue;
    }
    const name = readName(text, i + 1);
    if (name === '') {
      out += c;
      continue;
    }
    out += vars.get(name) ?? '';
    i += name.length;
  }
  return out;
}

function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function substitute(inner: string, vars: Vars, escape: string, whole: string): string {
  const name = readName(inner, 0);
  if (name === '') throw new TpodError('EUSAGE', `bad substitution in "${whole}"`);
  const rest = inner.slice(name.length);
  const value = vars.get(name);
  if (rest === '') return value ?? '';
  const m = /^(:?)([-+])([\s\S]*)$/.exec(rest);
  if (!m) throw new TpodError('EUSAGE', `unsupported modifier "${rest}" in "${whole}"`);
  const colon = m[1] === ':';
  const set = colon ? value !== undefined && value !== '' : value !== undefined;
  const word = expand(m[3] ?? '', vars, escape);
  if (m[2] === '-') return set ? value! : word;
  return set ? word : '';
}

/** Splits shell-ish words (quotes and backslashes honoured) after expansion, for COPY/ADD/VOLUME/EXPOSE. */
export function words(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}
