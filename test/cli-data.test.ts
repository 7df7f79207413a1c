// `ecg-edge data fetch` against a local HTTP server (127.0.0.1) serving the fixture records, with byte ranges,
// optional SHA256SUMS.txt and RECORDS, and switches to corrupt or withhold files.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, root } from './cli-helpers.js';

const fixtures = path.join(root, 'fixtures', 'mitdb');
const RECS = ['100', '232'];

interface ServerState {
  sums: boolean;
  corrupt: Set<string>;
  missing: Set<string>;
  requests: Array<{ url: string; range?: string }>;
}

const state: ServerState = { sums: true, corrupt: new Set(), missing: new Set(), requests: [] };
let server: http.Server;
let base: string;

function body(name: string): Buffer | undefined {
  if (name === 'RECORDS') return Buffer.from(RECS.join('\n') + '\n');
  if (name === 'SHA256SUMS.txt') {
    if (!state.sums) return undefined;
    const lines = RECS.flatMap((r) => ['hea', 'dat', 'atr'].map((e) => {
      const f = `${r}.${e}`;
      return `${createHash('sha256').update(readFileSync(path.join(fixtures, f))).digest('hex')}  ${f}`;
    }));
    return Buffer.from(lines.join('\n') + '\n');
  }
  if (!/^\d+\.(hea|dat|atr)$/.test(name) || state.missing.has(name) || !existsSync(path.join(fixtures, name))) return undefined;
  const b = Buffer.from(readFileSync(path.join(fixtures, name)));
  if (state.corrupt.has(name)) b[b.length >> 1] ^= 0xff;
  return b;
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').replace(/^\/mitdb\//, '').replace(/^\//, ''));
    state.requests.push({ url: name, ...(req.headers.range ? { range: req.headers.range } : {}) });
    const b = body(name);
    if (!b) {
      res.writeHead(404).end('not found');
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      const from = Number(m[1]);
      if (from >= b.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${b.length}` }).end();
        return;
      }
      res.writeHead(206, { 'Content-Range': `bytes ${from}-${b.length - 1}/${b.length}`, 'Content-Length': b.length - from });
      res.end(b.subarray(from));
      return;
    }
    res.writeHead(200, { 'Content-Length': b.length }).end(b);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mitdb/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const fresh = () => mkdtempSync(path.join(tmpdir(), 'ecg-fetch-'));
const reset = () => {
  state.sums = true;
  state.corrupt.clear();
  state.missing.clear();
  state.requests = [];
};

describe('ecg-edge data fetch', () => {
  it('downloads the records listed by the server, verifies them and skips them the second time', async () => {
    reset();
    const dest = fresh();
    const r = await cli(['data', 'fetch', '--dest', dest, '--base-url', base]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 record(s) in');
    expect(r.stdout).toContain('6 file(s) downloaded, 0 already present; 6 verified against SHA256SUMS.txt');
    for (const rec of RECS) for (const e of ['hea', 'dat', 'atr']) {
      expect(readFileSync(path.join(dest, `${rec}.${e}`)).equals(readFileSync(path.join(fixtures, `${rec}.${e}`)))).toBe(true);
    }
    expect(readdirSync(dest).filter((f) => f.endsWith('.part'))).toEqual([]);
    const again = await cli(['data', 'fetch', '--dest', dest, '--base-url', base]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 file(s) downloaded, 6 already present');
  });

  it('resumes an interrupted download with a byte range', async () => {
    reset();
    const dest = fresh();
    const full = readFileSync(path.join(fixtures, '100.dat'));
    writeFileSync(path.join(dest, '100.dat.part'), full.subarray(0, 100000));
    const r = await cli(['data', 'fetch', '--dest', dest, '--base-url', base, '--records', '100']);
    expect(r.code).toBe(0);
    expect(state.requests).toContainEqual({ url: '100.dat', range: 'bytes=100000-' });
    expect(r.stdout).toMatch(/100\.dat: resumed, 1850000 bytes, SHA-256 ok/);
    expect(readFileSync(path.join(dest, '100.dat')).equals(full)).toBe(true);
  });

  it('rejects a file whose SHA-256 differs from the server list, and removes it', async () => {
    reset();
    state.corrupt.add('232.dat');
    const dest = fresh();
    const r = await cli(['data', 'fetch', '--dest', dest, '--base-url', base, '--records', '232']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/232\.dat: SHA-256 mismatch after download \(expected [0-9a-f]{64} from SHA256SUMS\.txt, got [0-9a-f]{64}\)/);
    expect(existsSync(path.join(dest, '232.dat'))).toBe(false);
  });

  it('without SHA256SUMS, the WFDB checksums still catch a corrupt signal file', async () => {
    reset();
    state.sums = false;
    const dest = fresh();
    const ok = await cli(['data', 'fetch', '--dest', dest, '--base-url', base, '--records', '100']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('publishes no SHA256SUMS');
    expect(ok.stdout).toContain('no SHA256SUMS on the server');
    state.corrupt.add('232.dat');
    const bad = await cli(['data', 'fetch', '--dest', fresh(), '--base-url', base, '--records', '232']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/record 232 was downloaded but does not read back: .*checksum mismatch/s);
  });

  it('reports a missing file with its URL, an unreachable server, and bad options', async () => {
    reset();
    state.missing.add('100.atr');
    const r = await cli(['data', 'fetch', '--dest', fresh(), '--base-url', base, '--records', '100']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot download ${base}100.atr: not found (HTTP 404)`);

    const closed = http.createServer();
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', res));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((res) => closed.close(() => res()));
    const down = await cli(['data', 'fetch', '--dest', fresh(), '--base-url', `http://127.0.0.1:${port}/`, '--records', '100']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot download http:\/\/127\.0\.0\.1:\d+\/SHA256SUMS\.txt: ECONNREFUSED\. Check the network connection/);

    const badUrl = await cli(['data', 'fetch', '--dest', fresh(), '--base-url', 'ftp://example.org/']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain("--base-url: expected an http or https URL, got 'ftp://example.org/'");
    const file = path.join(fresh(), 'f');
    writeFileSync(file, '');
    const badDest = await cli(['data', 'fetch', '--dest', file, '--base-url', base]);
    expect(badDest.code).toBe(2);
    expect(badDest.stderr).toContain('--dest: expected a folder');
  });
});
