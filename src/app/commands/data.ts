// `ecg-edge data fetch`: downloads the MIT-BIH Arrhythmia Database from PhysioNet (or a mirror), resumably,
// verifying SHA-256 sums when the server publishes them and every record's WFDB checksums in any case.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { CliError, listOption, parse, type CommandSpec } from '../args.js';
import { MITDB_RECORDS, readAnnotations, readRecord } from '../../wfdb/index.js';

export const DEFAULT_BASE_URL = 'https://physionet.org/files/mitdb/1.0.0/';
const SUM_FILES = ['SHA256SUMS.txt', 'SHA256SUMS'];
const EXTENSIONS = ['hea', 'dat', 'atr'];

const fetchHelp = `Usage: ecg-edge data fetch [--dest DIR] [--base-url URL] [--records 100,101,...] [--quiet]

Downloads the MIT-BIH Arrhythmia Database 1.0.0 (48 records: .hea, .dat, .atr; about 100 MB) from PhysioNet.
Interrupted downloads resume where they stopped (files are written as <name>.part first). Files are checked
against the server's SHA256SUMS when it has one, and every record is read back and checked against its
header's initial values and checksums. Files already present and verified are not downloaded again.

  --dest DIR        where to put the records (default: $ECG_EDGE_DATA/mitdb)
  --base-url URL    where to download from (default: ${DEFAULT_BASE_URL})
  --records LIST    comma-separated records (default: the server's RECORDS list, else all 48)
  --quiet           print only errors and the final line
  -h, --help        this help

Data: PhysioNet, MIT-BIH Arrhythmia Database, https://physionet.org/content/mitdb/1.0.0/ (ODC-By 1.0).
Cite Moody GB, Mark RG, IEEE Eng in Med and Biol 20(3):45-50 (2001) and Goldberger AL et al., Circulation
101(23):e215-e220 (2000).`;

const help = `Usage: ecg-edge data <subcommand> [options]

Subcommands:
  fetch   download the MIT-BIH Arrhythmia Database from PhysioNet (resumable, verified)

See \`ecg-edge data fetch --help\`.`;

class FetchError extends Error {}

function describeNetworkError(url: string, err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return `cannot download ${url}: ${why}. Check the network connection (PhysioNet must be reachable) or give a mirror with --base-url.`;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  try {
    return await fetch(url, { headers, redirect: 'follow' });
  } catch (err) {
    throw new FetchError(describeNetworkError(url, err));
  }
}

/** A small text file, or undefined on 404. */
async function getText(url: string): Promise<string | undefined> {
  const res = await get(url);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new FetchError(`cannot download ${url}: HTTP ${res.status} ${res.statusText}`);
  return res.text();
}

export function parseSums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(line.trim());
    if (m) sums.set(m[2]!.trim().replace(/^\.\//, ''), m[1]!.toLowerCase());
  }
  return sums;
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Downloads url to dest through dest.part, resuming a previous partial download. Returns bytes received. */
async function download(url: string, dest: string): Promise<{ bytes: number; resumed: boolean }> {
  const part = `${dest}.part`;
  const have = existsSync(part) ? statSync(part).size : 0;
  const res = await get(url, have > 0 ? { Range: `bytes=${have}-` } : {});
  if (res.status === 404) throw new FetchError(`cannot download ${url}: not found (HTTP 404). Is --base-url right?`);
  if (res.status === 416 && have > 0) {
    // The partial file already holds everything.
    renameSync(part, dest);
    return { bytes: 0, resumed: true };
  }
  if (!res.ok || !res.body) throw new FetchError(`cannot download ${url}: HTTP ${res.status} ${res.statusText}`);
  const resumed = res.status === 206;
  const fd = openSync(part, resumed ? 'a' : 'w');
  let bytes = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      writeSync(fd, chunk);
      bytes += chunk.length;
    }
  } catch (err) {
    throw new FetchError(`${describeNetworkError(url, err)} (${bytes} bytes kept in ${part}; run the command again to resume)`);
  } finally {
    closeSync(fd);
  }
  renameSync(part, dest);
  return { bytes, resumed };
}

export interface FetchOptions {
  dest: string;
  baseUrl: string;
  records?: string[];
  log?: (line: string) => void;
}

export interface FetchSummary {
  records: string[];
  downloaded: number;
  skipped: number;
  verifiedBySha256: number;
  sumsFile: string | null;
}

/** The download itself (used by the command and its tests). */
export async function fetchDatabase(opts: FetchOptions): Promise<FetchSummary> {
  const log = opts.log ?? (() => {});
  const base = opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`;
  mkdirSync(opts.dest, { recursive: true });
  let sums = new Map<string, string>();
  let sumsFile: string | null = null;
  for (const name of SUM_FILES) {
    const text = await getText(base + name);
    if (text !== undefined) {
      sums = parseSums(text);
      sumsFile = name;
      break;
    }
  }
  if (!sumsFile) log(`note: ${base} publishes no SHA256SUMS; files are checked with the records' own WFDB checksums only`);
  let records = opts.records;
  if (!records) {
    const list = await getText(base + 'RECORDS');
    records = list ? list.split(/\r?\n/).map((s) => s.trim()).filter(Boolean) : [...MITDB_RECORDS];
    if (list) writeFileSync(path.join(opts.dest, 'RECORDS'), list);
  }
  let downloaded = 0, skipped = 0, verifiedBySha256 = 0;
  for (const [k, record] of records.entries()) {
    if (!/^[A-Za-z0-9_]+$/.test(record)) throw new FetchError(`record name '${record}' must be letters, digits or '_'`);
    for (const ext of EXTENSIONS) {
      const name = `${record}.${ext}`;
      const dest = path.join(opts.dest, name);
      const want = sums.get(name);
      if (existsSync(dest)) {
        if (!want || (await sha256File(dest)) === want) {
          skipped++;
          if (want) verifiedBySha256++;
          continue;
        }
        log(`${name}: present but its SHA-256 differs from ${sumsFile}; downloading it again`);
        rmSync(dest);
      }
      const r = await download(base + name, dest);
      if (want) {
        const got = await sha256File(dest);
        if (got !== want) {
          rmSync(dest);
          throw new FetchError(`${name}: SHA-256 mismatch after download (expected ${want} from ${sumsFile}, got ${got}); the file was removed, run the command again`);
        }
        verifiedBySha256++;
      }
      downloaded++;
      log(`[${k + 1}/${records.length}] ${name}: ${r.resumed ? 'resumed, ' : ''}${r.bytes} bytes${want ? ', SHA-256 ok' : ''}`);
    }
    // Every record must read back and agree with its header's initial values and checksums.
    const recordPath = path.join(opts.dest, record);
    try {
      readRecord(recordPath);
      readAnnotations(recordPath);
    } catch (err) {
      throw new FetchError(`record ${record} was downloaded but does not read back: ${(err as Error).message}`);
    }
  }
  if (sumsFile) writeFileSync(path.join(opts.dest, 'SHA256SUMS'), [...sums].filter(([f]) => records!.some((r) => f.startsWith(`${r}.`))).map(([f, h]) => `${h}  ${f}`).join('\n') + '\n');
  return { records, downloaded, skipped, verifiedBySha256, sumsFile };
}

const fetchCommand: CommandSpec = {
  name: 'fetch',
  summary: 'download MIT-BIH from PhysioNet',
  help: fetchHelp,
  async run(argv) {
    const args = parse(
      argv,
      { dest: { type: 'string' }, 'base-url': { type: 'string' }, records: { type: 'string' }, quiet: { type: 'boolean' } },
      fetchHelp,
      false,
    );
    if (!args) return 0;
    const v = args.values;
    let dest = v.dest;
    if (dest === undefined) {
      if (!process.env.ECG_EDGE_DATA) throw new CliError('--dest: expected a folder to download into; none given and ECG_EDGE_DATA is not set');
      dest = path.join(process.env.ECG_EDGE_DATA, 'mitdb');
    }
    if (existsSync(dest) && !statSync(dest).isDirectory()) throw new CliError(`--dest: expected a folder, got '${dest}', which is a file`);
    const baseUrl = v['base-url'] ?? DEFAULT_BASE_URL;
    let parsedUrl: URL;
    try {
      parsedUrl = new URL(baseUrl);
    } catch {
      throw new CliError(`--base-url: expected an http(s) URL such as ${DEFAULT_BASE_URL}, got '${baseUrl}'`);
    }
    if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') {
      throw new CliError(`--base-url: expected an http or https URL, got '${baseUrl}'`);
    }
    const records = listOption('records', v.records);
    try {
      const s = await fetchDatabase({
        dest, baseUrl, ...(records ? { records } : {}), log: v.quiet ? undefined : (l) => console.log(l),
      });
      console.log(
        `${s.records.length} record(s) in ${dest}: ${s.downloaded} file(s) downloaded, ${s.skipped} already present; ` +
          `${s.sumsFile ? `${s.verifiedBySha256} verified against ${s.sumsFile}` : 'no SHA256SUMS on the server'}; all records read back and match their checksums`,
      );
      return 0;
    } catch (err) {
      if (err instanceof FetchError) {
        console.error(`ecg-edge data fetch: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};

export const DATA_SUBCOMMANDS: CommandSpec[] = [fetchCommand];

export const dataCommand: CommandSpec = {
  name: 'data',
  summary: 'get the data: `data fetch` downloads MIT-BIH from PhysioNet',
  help,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!sub || sub === '--help' || sub === '-h') {
      console.log(help);
      return sub ? 0 : 2;
    }
    const cmd = DATA_SUBCOMMANDS.find((c) => c.name === sub);
    if (!cmd) throw new CliError(`unknown subcommand '${sub}'; expected one of: ${DATA_SUBCOMMANDS.map((c) => c.name).join(', ')}\n\n${help}`);
    return cmd.run(rest);
  },
};
