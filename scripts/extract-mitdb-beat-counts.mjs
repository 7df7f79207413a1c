// Extracts the per-record beat tables of the MIT-BIH Arrhythmia Database's own documentation (records.htm,
// "Beats: Before 5:00 / After 5:00 / Total") into test/fixtures/mitdb-beat-counts.json.
// Usage: node scripts/extract-mitdb-beat-counts.mjs <mitdb>/doc/records.htm test/fixtures/mitdb-beat-counts.json > new.json
// The exceptions (where the distributed .atr files differ from the documentation, and why) are kept by hand
// in the fixture's "exceptions" field; this script preserves them when the output file already exists.
import { readFileSync, existsSync } from 'node:fs';

const LABELS = {
  Normal: 'N', 'Left BBB': 'L', 'Right BBB': 'R', APC: 'A', 'Aberrated APC': 'a', 'Blocked APC': 'x',
  'Junctional premature': 'J', SVPC: 'S', 'Atrial escape': 'e', 'Junctional escape': 'j', PVC: 'V',
  'Fusion PVC': 'F', 'Ventricular escape': 'E', 'Ventricular flutter wave': '!', Paced: '/',
  'Pacemaker fusion': 'f', Unclassifiable: 'Q',
};
const html = readFileSync(process.argv[2], 'utf8');
const num = (s) => (s.trim() === '-' ? 0 : Number(s.trim()));
const records = {};
for (const part of html.split(/<h2><a name="/).slice(1)) {
  const rec = part.slice(0, part.indexOf('"'));
  const table = part.slice(part.indexOf('<th>Beats</th>'), part.indexOf('</table>'));
  const rows = {};
  let total;
  for (const m of table.matchAll(/<tr align=right><td>([^<]+)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)) {
    const [, label, before, after, tot] = m;
    const counts = { before5: num(before), after5: num(after), total: num(tot) };
    if (label === 'Total') total = counts;
    else {
      const sym = LABELS[label];
      if (!sym) throw new Error(`record ${rec}: unknown beat label '${label}'`);
      rows[sym] = counts;
    }
  }
  records[rec] = { bySymbol: rows, total };
}
const out = process.argv[3] && existsSync(process.argv[3]) ? JSON.parse(readFileSync(process.argv[3], 'utf8')) : {};
console.log(JSON.stringify({
  source: 'MIT-BIH Arrhythmia Database 1.0.0 directory, records.htm (PhysioNet, https://physionet.org/content/mitdb/1.0.0/, ' +
    'page dated "24 May 1997 (revised 24 June 2010)"): per-record beat tables, columns Before 5:00, After 5:00, Total. ' +
    'Extracted by scripts/extract-mitdb-beat-counts.mjs. License ODC-By 1.0; cite Moody GB, Mark RG, IEEE EMB 20(3):45-50 (2001).',
  labels: LABELS,
  exceptions: out.exceptions ?? {},
  notes: out.notes ?? [],
  records,
}, null, 1));
