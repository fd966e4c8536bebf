import { describe, it, expect } from 'vitest';
import { joinWords, quoteWord, splitWords, WordError } from '../../../src/quadlet/words.js';

const exec = { unquote: true, cunescape: true };

describe('splitWords (systemd command line rules)', () => {
  it('splits on blanks and removes quotes', () => {
    expect(splitWords(`sh -c "echo hi there"  'a b'`, exec)).toEqual(['sh', '-c', 'echo hi there', 'a b']);
  });
  it('joins quoted and unquoted parts of one word', () => {
    expect(splitWords(`--env=A="x y"`, exec)).toEqual(['--env=A=x y']);
  });
  it('reads C escapes, inside quotes too', () => {
    expect(splitWords(String.raw`a\tb "c\"d" \x41 \s e\\f \101`, exec)).toEqual(['a\tb', 'c"d', 'A', ' ', 'e\\f', 'A']);
  });
  it('refuses an escape systemd does not know', () => {
    expect(() => splitWords(String.raw`a\qb`, exec)).toThrow(WordError);
  });
  it('ends an unbalanced quote at the end of the value', () => {
    expect(splitWords(`a "b c`, exec)).toEqual(['a', 'b c']);
  });
  it('keeps backslashes as they are for list keys', () => {
    expect(splitWords(String.raw`a\b "c d"`, { unquote: true, retainEscape: true })).toEqual(['a\\b', 'c d']);
  });
  it('gives no words for blank values', () => {
    expect(splitWords('  \t ', exec)).toEqual([]);
  });
});

describe('quoteWord / joinWords', () => {
  it('leaves plain words and systemd specifiers alone', () => {
    expect(joinWords(['/usr/bin/tpod', 'run', '--cidfile=%t/%N.cid', '--name', 'systemd-%N'])).toBe('/usr/bin/tpod run --cidfile=%t/%N.cid --name systemd-%N');
  });
  it('quotes words with blanks, quotes, backslashes and control characters', () => {
    expect(quoteWord('a b')).toBe('"a b"');
    expect(quoteWord('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteWord('a\\b')).toBe('"a\\\\b"');
    expect(quoteWord('a\nb')).toBe('"a\\nb"');
    expect(quoteWord("it's")).toBe(`"it's"`);
  });
  it('keeps an empty word as ""', () => {
    expect(joinWords(['echo', ''])).toBe('echo ""');
  });
  it('round-trips through splitWords', () => {
    const words = ['sh', '-c', 'echo "a b" \\ \'c\'', '', 'tab\there', 'ü'];
    expect(splitWords(joinWords(words), exec)).toEqual(words);
  });
});
