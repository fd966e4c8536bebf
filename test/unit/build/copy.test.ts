import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseContainerfile } from '../../../src/build/parse.js';
import { planCopy, type CopyInputs } from '../../../src/build/copy.js';

const inputs = (over: Partial<CopyInputs> = {}): CopyInputs => ({
  contextDir: undefined,
  ignored: () => false,
  vars: new Map([['NAME', 'world']]),
  escape: '\\',
  file: 'Containerfile',
  workdir: '/app',
  isDirInImage: (p) => p === '/etc',
  fromImage: async () => {
    throw new Error('no images here');
  },
  ...over,
});
const step = (text: string) => parseContainerfile(`FROM x\n${text}`).instructions[1]!;
const files = (p: Awaited<ReturnType<typeof planCopy>>) => (p.entries ?? []).map((e) => [e.path, e.mode.toString(8), (e.data ?? Buffer.from(`<${e.host}>`)).toString()]);

describe('planCopy with heredocs', () => {
  it('writes a heredoc to the destination, variables expanded unless the marker is quoted', async () => {
    expect(files(await planCopy(step('COPY <<EOF /greeting\nhello $NAME\nEOF'), inputs()))).toEqual([['greeting', '644', 'hello world\n']]);
    expect(files(await planCopy(step("COPY <<'EOF' greeting\nhello $NAME\nEOF"), inputs()))).toEqual([['app/greeting', '644', 'hello $NAME\n']]);
    expect(files(await planCopy(step('COPY --chmod=755 <<-EOF /etc\n\t#!/bin/sh\n\techo hi\n\tEOF'), inputs()))).toEqual([['etc/EOF', '755', '#!/bin/sh\necho hi\n']]);
  });

  it('names several heredocs after their markers in a directory, beside context files', async () => {
    const two = await planCopy(step('COPY <<robots.txt <<humans.txt /test/\n(robots)\nrobots.txt\n(humans)\nhumans.txt'), inputs());
    expect(files(two)).toEqual([['test/robots.txt', '644', '(robots)\n'], ['test/humans.txt', '644', '(humans)\n']]);
    const ctx = mkdtempSync(join(tmpdir(), 'tpod-copy-'));
    writeFileSync(join(ctx, 'a.txt'), 'a\n');
    const mixed = await planCopy(step('COPY a.txt <<EOF /dir\nbody\nEOF'), inputs({ contextDir: ctx }));
    expect(files(mixed).map((f) => f[0])).toEqual(['dir/a.txt', 'dir/EOF']);
    expect(files(mixed)[1]).toEqual(['dir/EOF', '644', 'body\n']);
    expect(mixed.work).toHaveLength(2);
    // The content is in the cache key.
    const other = await planCopy(step('COPY a.txt <<EOF /dir\nother\nEOF'), inputs({ contextDir: ctx }));
    expect(other.digest).not.toBe(mixed.digest);
  });
});

describe('heredoc markers', () => {
  it('strips tabs with <<- and keeps RUN heredocs as they were', () => {
    const [, run, chomp] = parseContainerfile('FROM x\nRUN <<EOF\necho hi\nEOF\nRUN <<-"END"\n\techo $X\n\tEND\nRUN echo after\n').instructions;
    expect(run!.heredocs).toEqual([{ name: 'EOF', body: 'echo hi\n' }]);
    expect(chomp!.heredocs).toEqual([{ name: 'END', body: 'echo $X\n', chomp: true, quoted: true }]);
  });
});
