// `npm run bench`: every benchmark, one after the other (they share 2 CPUs), each in its own process so
// one's memory does not show in another's RSS. Each writes its own section of test/bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
// runtime-memory quotes output-throughput's peak RSS, so it runs after it. runtime-soak takes --minutes
// (default 12): `npm run bench -- --minutes 10`.
const benchmarks = [
  'test/bench/output-throughput.ts',
  'test/bench/runtime-memory.ts',
  'test/bench/operator-scale.ts',
  'test/bench/image-sizes.ts',
  'test/bench/runtime-soak.ts',
  'test/bench/proofpoint-stream.ts',
  'test/bench/dedup-throughput.ts',
];

let failed = 0;
for (const file of benchmarks) {
  process.stdout.write(`\n== ${file}\n`);
  const r = spawnSync(process.execPath, [file, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.stdout.write(`\nResults: test/bench/RESULTS.md${failed ? ` (${failed} benchmark(s) failed)` : ''}\n`);
process.exitCode = failed ? 1 : 0;
