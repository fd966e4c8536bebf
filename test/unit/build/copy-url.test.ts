import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInstructions } from '../../../src/build/parse.js';
import { planCopy, type CopyInputs } from '../../../src/build/copy.js';

const dl = mkdtempSync(join(tmpdir(), 'tpod-copy-'));
writeFileSync(join(dl, 'f'), 'content');

function inputs(over: Partial<CopyInputs> = {}): CopyInputs {
  return {
    contextDir: dl,
    ignored: () => false,
    vars: new Map(),
    escape: '\\',
    file: 'Containerfile',
    workdir: '/work',
    isDirInImage: (p) => p === '/srv',
    fromImage: () => Promise.reject(new Error('no --from here')),
    download: (url) => Promise.resolve({ path: join(dl, 'f'), size: 7, mtime: new Date(Date.parse('2015-10-21T07:28:00Z')) }),
    ...over,
  };
}

const step = (text: string) => parseInstructions(text, 'Containerfile', false)[0]!;

describe('planCopy of URLs', () => {
  it('ADD URL DIR/ names the file after the URL path; mode 0600 and the Last-Modified time', async () => {
    const p = await planCopy(step('ADD https://example.com/pkg/tool.tar.gz /opt/'), inputs());
    expect(p.entries?.map((e) => [e.path, e.mode.toString(8), e.mtime.toISOString()])).toEqual([['opt/tool.tar.gz', '600', '2015-10-21T07:28:00.000Z']]);
    expect(p.owner).toBe('0:0');
  });

  it('ADD URL FILE names the file; an existing directory takes the URL name; --chmod, --chown and --timestamp apply', async () => {
    const renamed = await planCopy(step('ADD --chmod=755 --chown=1:2 http://h/x.bin rel/name'), inputs({ timestamp: 0 }));
    expect(renamed.entries?.map((e) => [e.path, e.mode.toString(8), e.mtime.getTime()])).toEqual([['work/rel/name', '755', 0]]);
    expect(renamed.owner).toBe('1:2');
    const intoDir = await planCopy(step('ADD http://h/x.bin /srv'), inputs());
    expect(intoDir.entries?.[0]?.path).toBe('srv/x.bin');
  });

  it('passes --checksum to the download, and refuses it for local sources and URLs in COPY, as buildah', async () => {
    const seen: Array<string | undefined> = [];
    await planCopy(step(`ADD --checksum=sha256:${'a'.repeat(64)} http://h/x /x`), inputs({ download: (_u, c) => (seen.push(c), Promise.resolve({ path: join(dl, 'f'), size: 7, mtime: new Date(0) })) }));
    expect(seen).toEqual([`sha256:${'a'.repeat(64)}`]);
    await expect(planCopy(step(`ADD --checksum=sha256:${'a'.repeat(64)} f /x`), inputs())).rejects.toThrow('checksum flag is not supported for local sources');
    await expect(planCopy(step('COPY http://h/x /x'), inputs())).rejects.toThrow("source can't be a URL for COPY");
    await expect(planCopy(step(`COPY --checksum=sha256:${'a'.repeat(64)} f /x`), inputs())).rejects.toThrow('unknown flag --checksum for COPY');
  });
});
