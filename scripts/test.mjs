// `npm test`: type-checks and builds the TypeScript, runs the C++ core's tests under ASan+UBSan, then the
// vitest suites. Ends with one plain line "N passed, N failed" summed from the reporters' own counts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { runNativeTests } from './test-native.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
let passed = 0, failed = 0;

console.log('== build (tsc)');
const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) { console.log('tsc failed'); failed++; }

console.log('== native core tests (ASan + UBSan)');
const native = runNativeTests();
if (native.error) console.log(native.error);
passed += native.passed; failed += native.failed;

// Build the firmware once, before vitest runs its test files in parallel: several of them call `make` on the
// same build folder, and concurrent makes from a clean tree race on the shared archive (core.a). Failures are
// left to the firmware tests, which report them with their cause.
if (existsSync(path.join(root, 'firmware-bridge', 'Makefile'))) {
  console.log('== firmware build (make -C firmware-bridge all)');
  const fw = spawnSync('make', ['-C', 'firmware-bridge', 'all'], { cwd: root, encoding: 'utf8' });
  if (fw.status !== 0) console.log(`firmware build failed (the firmware tests will report it):\n${(fw.stderr || fw.stdout || String(fw.error)).split('\n').slice(-15).join('\n')}`);
}

console.log('== vitest');
if (!process.env.ECG_EDGE_DATA) {
  console.log('note: ECG_EDGE_DATA is not set: whole-database tests are skipped; tests use the records in fixtures/.');
}
const outDir = path.join(root, 'build', 'test-report');
mkdirSync(outDir, { recursive: true });
const report = path.join(outDir, 'vitest.json');
rmSync(report, { force: true });
const extra = process.argv.slice(2);
spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra], { cwd: root, stdio: 'inherit' });
try {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  passed += j.numPassedTests; failed += j.numFailedTests;
  if (j.numTotalTests === 0) { console.log('vitest ran no test'); failed++; }
  // A suite that failed to load has no tests counted: count it as a failure.
  for (const s of j.testResults ?? []) if (s.status === 'failed' && (s.assertionResults ?? []).length === 0) failed++;
} catch (e) {
  console.log(`vitest report unreadable: ${e.message}`);
  failed++;
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
