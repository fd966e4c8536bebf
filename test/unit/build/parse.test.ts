import { describe, expect, it } from 'vitest';
import { parseContainerfile, jsonForm } from '../../../src/build/parse.js';
import { runCommand } from '../../../src/build/build.js';

describe('parseContainerfile', () => {
  it('joins continuations with the escape directive and keeps exec forms with spaces', () => {
    const { instructions, escape } = parseContainerfile('# escape=`\nFROM busybox\nRUN echo a `\n  b\nCMD ["a", "b c"]\n');
    expect(escape).toBe('`');
    expect(instructions.map((i) => i.keyword)).toEqual(['FROM', 'RUN', 'CMD']);
    expect(instructions[1]!.line).toBe(3);
    expect(instructions[2]!.json).toEqual(['a', 'b c']);
  });

  it('reads flags, ENV/LABEL pairs and heredoc bodies', () => {
    const { instructions } = parseContainerfile('FROM x\nCOPY --chown=u:g --from=b a /c/\nENV A=1 B="two words"\nRUN <<EOF\necho hi\nEOF\n');
    expect(instructions[1]!.flags).toEqual([{ name: 'chown', value: 'u:g' }, { name: 'from', value: 'b' }]);
    expect(instructions[1]!.args).toBe('a /c/');
    expect(instructions[2]!.pairs).toEqual([['A', '1'], ['B', 'two words']]);
    expect(instructions[3]!.heredocs).toEqual([{ name: 'EOF', body: 'echo hi\n' }]);
    expect(runCommand(instructions[3]!, ['/bin/sh', '-c'])).toEqual(['/bin/sh', '-c', 'echo hi\n']);
  });

  it('names a bad instruction with its line', () => {
    expect(() => parseContainerfile('FROM x\nRUN true\nFROB now\n')).toThrow('Containerfile:3: unknown instruction: FROB');
    expect(() => parseContainerfile('RUN true\n')).toThrow(/RUN before the first FROM/);
    expect(() => parseContainerfile('')).toThrow(/no instructions/);
  });

  it('takes the shell form when the JSON is not an array of strings', () => {
    expect(jsonForm('["a", 1]')).toBeUndefined();
    expect(jsonForm('[not json')).toBeUndefined();
  });
});
