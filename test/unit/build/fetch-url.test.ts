import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Downloads, downloadUrl, isUrl, lastModifiedTime, parseChecksum, urlFileName } from '../../../src/build/fetch-url.js';

describe('ADD URL helpers', () => {
  it('knows http and https sources', () => {
    expect(isUrl('https://example.com/a')).toBe(true);
    expect(isUrl('HTTP://example.com/a')).toBe(true);
    expect(isUrl('ftp://example.com/a')).toBe(false);
    expect(isUrl('file.txt')).toBe(false);
  });

  it('parses --checksum as go-digest does, with its errors', () => {
    expect(parseChecksum(`sha256:${'a'.repeat(64)}`)).toEqual({ algorithm: 'sha256', hex: 'a'.repeat(64) });
    expect(() => parseChecksum('abc')).toThrow('invalid checksum flag: invalid checksum digest format');
    expect(() => parseChecksum('md5:abc')).toThrow('invalid checksum flag: unsupported digest algorithm');
    expect(() => parseChecksum('sha256:abc')).toThrow('invalid checksum flag: invalid checksum digest length');
  });

  it('names the file after the URL path, and dates it by Last-Modified or the epoch', () => {
    expect(urlFileName('http://h/dir/file%20name.tgz?x=1')).toBe('file name.tgz');
    expect(lastModifiedTime('Wed, 21 Oct 2015 07:28:00 GMT', 'u').toISOString()).toBe('2015-10-21T07:28:00.000Z');
    expect(lastModifiedTime(null, 'u').getTime()).toBe(0);
  });

  it('downloads, follows redirects, checks the checksum and the status', async () => {
    const body = 'payload\n';
    const server = createServer((req, res) => {
      if (req.url === '/f') res.end(body);
      else if (req.url === '/r') res.writeHead(301, { Location: '/f' }).end();
      else res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'tpod-dl-'));
      const sum = createHash('sha256').update(body).digest('hex');
      const d = await downloadUrl(`${base}/r`, dir, 'one', `sha256:${sum}`);
      expect(readFileSync(d.path, 'utf8')).toBe(body);
      expect(d.size).toBe(body.length);
      await expect(downloadUrl(`${base}/f`, dir, 'two', `sha256:${'1'.repeat(64)}`)).rejects.toThrow(`unexpected response digest for "${base}/f": sha256:${sum}, want sha256:${'1'.repeat(64)}`);
      await expect(downloadUrl(`${base}/x`, dir, 'three')).rejects.toThrow('invalid response status 500');
      const dl = new Downloads(join(dir, 'under'));
      const got = await dl.get(`${base}/f`, undefined);
      expect(existsSync(got.path)).toBe(true);
      dl.dispose();
      expect(existsSync(got.path)).toBe(false);
    } finally {
      server.close();
    }
  });
});
