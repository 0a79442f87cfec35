// Dedup benchmark: records/s through content hash + Bloom check/insert for ~1 KiB records at the default
// geometry (10M records, false-positive rate 1e-6), and the memory that costs. The `bloom-filters`
// BloomFilter used as designed (it hashes the element itself) runs in the same process for comparison,
// with its per-operation hashing (two xxhashjs 64-bit hashes) timed alone to show where its time goes.
// Run alone: npx node test/bench/dedup-throughput.ts [--records N]
import { loadavg, availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { BloomFilter, Hashing } from 'bloom-filters';
import { BloomWindow } from '../../collector-runtime/src/dedup/bloom-window.ts';
import { contentHash } from '../../collector-runtime/src/dedup/event-key.ts';
import { replaceSection } from './results-file.ts';

const CAPACITY = 10_000_000;
const RATE = 1e-6;
const BUFFER = 100_000;
const MiB = 2 ** 20;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap plus array buffers after a full collection: what is really held. */
function heldBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** A ~1 KiB SharePoint file-access record, unique per i. */
function recordText(i: number): string {
  return JSON.stringify({
    CreationTime: '2024-05-01T10:02:33',
    Id: `6f1c${String(i).padStart(4, '0')}-1d2e-4f3a-8b4c-${(i * 7919).toString(16).padStart(12, '0')}`,
    Operation: 'FileAccessed',
    OrganizationId: '8a3f5c2e-4b1d-4e6f-9a7c-2d5e8f1b3c4a',
    RecordType: 6,
    UserKey: 'i:0h.f|membership|1003200123456789@live.com',
    UserType: 0,
    Version: 1,
    Workload: 'SharePoint',
    ClientIP: '203.0.113.7',
    ObjectId: `https://contoso.sharepoint.com/sites/Finance/Shared Documents/Report ${i} – Q1 (v3).xlsx`,
    UserId: 'alice.smith@contoso.onmicrosoft.com',
    CorrelationId: '9c1a2b3c-4d5e-4f70-8192-a3b4c5d6e7f8',
    EventSource: 'SharePoint',
    ItemType: 'File',
    ListId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    ListItemUniqueId: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
    Site: 'c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f',
    UserAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
    WebId: 'd4e5f6a7-b8c9-4d0e-9f2a-3b4c5d6e7f80',
    SourceFileExtension: 'xlsx',
    SiteUrl: 'https://contoso.sharepoint.com/sites/Finance/',
    SourceFileName: `Report ${i} – Q1 (v3).xlsx`,
    SourceRelativeUrl: 'Shared Documents',
  });
}

/** Records per second of CPU time (this process's user + system): what other work on the box steals shows in wall time only. */
function rate(n: number, f: () => void): number {
  const cpu = process.cpuUsage();
  f();
  const used = process.cpuUsage(cpu);
  return Math.round(n / ((used.user + used.system) / 1e6));
}

export interface DedupBenchResult {
  records: number;
  recordBytes: number;
  hashOnly: number;
  window: number;
  windowDuplicatesFound: number;
  packageRecords: number;
  packageHasAdd: number;
  packageHashTwice: number;
  hashFunctions: number;
  filterMiB: number;
  heldMiB: number;
  stateMiB: number;
  loadAverage: number;
  cpus: number;
}

export function run(records = 500_000): DedupBenchResult {
  const loadAverage = Math.round(loadavg()[0]! * 100) / 100;
  const texts = Array.from({ length: records }, (_, i) => recordText(i));
  // Warm up the hash so the first timed loop is not the JIT's.
  for (let i = 0; i < 20_000; i++) contentHash(texts[i]!);

  const hashOnly = rate(records, () => {
    for (const t of texts) contentHash(t);
  });

  const before = heldBytes();
  const window = new BloomWindow({ capacity: CAPACITY, bufferSize: BUFFER, falsePositiveRate: RATE });
  let duplicates = 0;
  const windowRate = rate(records, () => {
    for (const t of texts) {
      const h = contentHash(t);
      if (window.has(h)) duplicates++;
      else window.add(h);
    }
  });
  // A second pass over the first 100k: every one must be found again.
  let found = 0;
  for (let i = 0; i < 100_000; i++) if (window.has(contentHash(texts[i]!))) found++;
  const after = heldBytes();
  const stateChars = JSON.stringify(window.toJSON()).length;

  // The package as designed: it hashes the (already hashed) element twice with xxhashjs per has() and add().
  const packageRecords = Math.min(records, 50_000);
  const filter = BloomFilter.create(CAPACITY, RATE);
  const packageHasAdd = rate(packageRecords, () => {
    for (let i = 0; i < packageRecords; i++) {
      const h = contentHash(texts[i]!);
      if (!filter.has(h)) filter.add(h);
    }
  });
  const hashing = new Hashing();
  const packageHashTwice = rate(packageRecords, () => {
    for (let i = 0; i < packageRecords; i++) hashing.hashTwice(texts[i]!.slice(0, 16), 1);
  });

  return {
    records,
    recordBytes: Buffer.byteLength(texts[0]!),
    hashOnly,
    window: windowRate,
    windowDuplicatesFound: duplicates + (found === 100_000 ? 0 : -1),
    packageRecords,
    packageHasAdd,
    packageHashTwice,
    hashFunctions: window.hashFunctions,
    filterMiB: Math.round((window.filterBytes / MiB) * 10) / 10,
    heldMiB: Math.round(((after - before) / MiB) * 10) / 10,
    stateMiB: Math.round((stateChars / MiB) * 10) / 10,
    loadAverage,
    cpus: availableParallelism(),
  };
}

export async function writeResults(r: DedupBenchResult): Promise<void> {
  const n = (x: number) => x.toLocaleString('en-US');
  const section = [
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npx node test/bench/dedup-throughput.ts\` (Node ${process.version}, ` +
      `${n(r.records)} distinct records of ${r.recordBytes} bytes, ${r.cpus} CPUs, load average ${r.loadAverage} at the start).`,
    'Rates are records per second of this process’s CPU time (one thread), so other work on the box does not count',
    'against them; it still costs cache misses, which the filter (random reads and writes in 34 MiB) feels most.',
    `Geometry: capacity ${n(CAPACITY)}, false-positive rate ${RATE} at capacity → ${r.hashFunctions} hash functions, ` +
      `${r.filterMiB} MiB of bits. Targets: ≥ 300,000 records/s through hash + check + insert; ≤ 40 MiB for the filter.`,
    '',
    '| path | records per CPU second |',
    '|---|---|',
    `| SHA-256 content hash alone (\`contentHash\`) | ${n(r.hashOnly)} |`,
    `| **runtime: \`contentHash\` + \`BloomWindow.has\` + \`add\`** | **${n(r.window)}** |`,
    `| \`bloom-filters\` \`BloomFilter\` as designed: \`contentHash\` + \`has\` + \`add\` (${n(r.packageRecords)} records) | ${n(r.packageHasAdd)} |`,
    `| \`bloom-filters\` \`Hashing.hashTwice\` alone (what it runs per \`has\` and per \`add\`) | ${n(r.packageHashTwice)} |`,
    '',
    `Throughput target (≥ 300,000/s): ${r.window >= 300_000 ? 'met' : 'not met'} on this run. The Bloom check + insert costs`,
    `${(1e6 / r.window - 1e6 / r.hashOnly).toFixed(1)} µs per record (20 bit positions in 34 MiB: memory-bound), the SHA-256 of 1 KiB ${(1e6 / r.hashOnly).toFixed(1)} µs.`,
    '',
    `Memory (target ≤ 40 MiB for the filter: ${r.filterMiB <= 40 ? 'met' : 'not met'}): the bit array is ${r.filterMiB} MiB (a \`bloom-filters\` \`BitSet\`); with the ring`,
    `of ${n(BUFFER)} recent hashes the window holds ${r.heldMiB} MiB (heap + array buffers after a full GC). Persisted`,
    `(deflated filter + buffer, base64, after ${n(r.records)} records) it is ${r.stateMiB} MiB of JSON. False positives among the`,
    `distinct records: ${r.windowDuplicatesFound}.`,
    '',
    "Why the package's own filter is slow: every `has()` and `add()` calls `Hashing.hashTwice`, i.e. two",
    '64-bit xxHash runs in xxhashjs, which emulates 64-bit integers with UINT64 objects in plain JavaScript,',
    'so one check + insert costs four of them. The runtime keeps `bloom-filters` for the bit storage (`BitSet`)',
    'and derives the k positions from the SHA-256 content hash it computes anyway (enhanced double hashing,',
    'the same scheme the package applies after hashing): the Bloom part then costs less than the hash itself.',
    '',
  ].join('\n');
  await replaceSection('Dedup throughput', section);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--records');
  const result = run(i > 0 ? Number(process.argv[i + 1]) : undefined);
  console.log(JSON.stringify(result, null, 2));
  await writeResults(result);
}
