import { describe, expect, it } from 'vitest';
import { expand, words } from '../../../src/build/expand.js';

describe('expand', () => {
  const vars = new Map([['A', 'a'], ['EMPTY', '']]);
  it('substitutes $VAR and ${VAR} with their modifiers', () => {
    expect(expand('$A-${A}-$NOPE', vars)).toBe('a-a-');
    expect(expand('${NOPE:-def} ${EMPTY:-def} ${EMPTY-def} ${A:-def}', vars)).toBe('def def  a');
    expect(expand('${A:+alt} ${EMPTY:+alt} ${EMPTY+alt} ${NOPE+alt}', vars)).toBe('alt  alt ');
    expect(expand('${NOPE:-${A}x}', vars)).toBe('ax');
  });
  it('keeps an escaped dollar literal', () => {
    expect(expand('\\$A', vars)).toBe('$A');
    expect(expand('`$A', vars, '`')).toBe('$A');
  });
  it('splits words with quotes', () => {
    expect(words('a "b c" \'d\'')).toEqual(['a', 'b c', 'd']);
  });
});
