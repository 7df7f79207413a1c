// Builds the C++ core and its unit tests under AddressSanitizer + UndefinedBehaviorSanitizer and runs them
// with CTest. Prints the test binaries' output and returns { passed, failed } summed over their closing lines.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(root, 'build-asan');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  return r;
}

export function runNativeTests({ quiet = false } = {}) {
  const jobs = String(buildJobs());
  const steps = [
    ['cmake', ['-S', 'native', '-B', buildDir, '-DECG_SANITIZE=ON', '-DCMAKE_BUILD_TYPE=Debug']],
    ['cmake', ['--build', buildDir, '-j', jobs]],
  ];
  for (const [cmd, args] of steps) {
    const r = run(cmd, args);
    if (r.status !== 0) {
      process.stdout.write(r.stdout + r.stderr);
      return { passed: 0, failed: 1, error: `${cmd} ${args.join(' ')} failed` };
    }
  }
  const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' };
  const r = run('ctest', ['--test-dir', buildDir, '--output-on-failure', '-V'], { env });
  const out = r.stdout + r.stderr;
  if (!quiet) process.stdout.write(out);
  let passed = 0, failed = 0, seen = 0;
  for (const m of out.matchAll(/^(?:\d+: )?(\d+) passed, (\d+) failed$/gm)) {
    passed += Number(m[1]); failed += Number(m[2]); seen++;
  }
  if (r.status !== 0 && failed === 0) failed = 1; // a crash (sanitizer abort) counts as a failure
  if (seen === 0 && r.status === 0) return { passed: 0, failed: 1, error: 'ctest ran no test binary' };
  return { passed, failed };
}

function buildJobs() {
  return Number(process.env.ECG_BUILD_JOBS) || 2;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { passed, failed, error } = runNativeTests();
  if (error) console.error(error);
  console.log(`native: ${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}
