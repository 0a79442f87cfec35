// Dedup benchmark: records/s through content hash + Bloom check/insert for ~1 KiB records at the default
// geometry (10M records, false-positive rate 1e-6), and the memory that costs. Measured as the runtime
// runs it (RecordDedup.select: the record's JSON text, its SHA-256, the blocked filter's check + insert),
// for record texts V8 holds one byte per character (ASCII/Latin-1) and two (any character above U+00FF,
// e.g. an en dash in a file name), since hashing a string costs its UTF-8 encoding and that differs 2×.
// The `bloom-filters` BloomFilter used as designed (it hashes the element itself) runs in the same
// process for comparison, with its per-operation hashing timed alone to show where its time goes.
// It runs once more in a child process with the runtime image's node flags (no TurboFan): those are the
// runtime's own rates.
// Run alone: npx node test/bench/dedup-throughput.ts [--records N]
import { spawnSync } from 'node:child_process';
import { loadavg, availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { BloomFilter, Hashing } from 'bloom-filters';
import { BloomWindow } from '../../collector-runtime/src/dedup/bloom-window.ts';
import { contentHash } from '../../collector-runtime/src/dedup/event-key.ts';
import { replaceSection } from './results-file.ts';
import { RUNTIME_IMAGE_NODE_ARGS } from './runtime-process.ts';

const CAPACITY = 10_000_000;
const RATE = 1e-6;
const BUFFER = 100_000;
const MiB = 2 ** 20;
/** Records are built in chunks outside the timed loops, so the benchmark never holds them all. */
const CHUNK = 20_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap plus array buffers after a full collection: what is really held. */
function heldBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** A ~1 KiB SharePoint file-access record, unique per i. */
function record(i: number, dash: string): Record<string, unknown> {
  return {
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
    ObjectId: `https://contoso.sharepoint.com/sites/Finance/Shared Documents/Report ${i} ${dash} Q1 (v3).xlsx`,
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
    SourceFileName: `Report ${i} ${dash} Q1 (v3).xlsx`,
    SourceRelativeUrl: 'Shared Documents',
  };
}

/** The two kinds of text: V8 stores the first one byte per character, the second two. */
const KINDS = { oneByte: '-', twoByte: '\u2013' } as const;
type Kind = keyof typeof KINDS;

/**
 * Records per second of CPU time (this process's user + system; what other work on the box steals
 * shows in wall time only). `make` builds a chunk of inputs outside the clock; `f` consumes it timed.
 */
function rate<T>(n: number, make: (from: number, to: number) => T[], f: (items: T[]) => void): number {
  let micros = 0;
  for (let from = 0; from < n; from += CHUNK) {
    const items = make(from, Math.min(n, from + CHUNK));
    const cpu = process.cpuUsage();
    f(items);
    const used = process.cpuUsage(cpu);
    micros += used.user + used.system;
  }
  return Math.round(n / (micros / 1e6));
}

/**
 * The best of PASSES runs, each over records of its own (distinct from every other run's): on a shared
 * box the fastest run is the one least disturbed by others, which is what the code itself costs.
 */
const PASSES = 3;
function best(run: (pass: number) => number): number {
  return Math.max(...Array.from({ length: PASSES }, (_, pass) => run(pass)));
}

const texts =
  (kind: Kind, offset = 0) =>
  (from: number, to: number) =>
    Array.from({ length: to - from }, (_, j) => JSON.stringify(record(offset + from + j, KINDS[kind])));
const parsed =
  (kind: Kind, offset = 0) =>
  (from: number, to: number) =>
    texts(kind, offset)(from, to).map((t) => JSON.parse(t) as Record<string, unknown>);

export interface DedupBenchResult {
  records: number;
  recordBytes: number;
  hashOnly: Record<Kind, number>;
  bloomOnly: number;
  window: Record<Kind, number>;
  select: Record<Kind, number>;
  duplicatesFound: number;
  falseNegatives: number;
  sampled: number;
  packageRecords: number;
  packageHasAdd: number;
  packageHashTwice: number;
  hashFunctions: number;
  bitsPerBlock: number;
  filterMiB: number;
  heldMiB: number;
  stateMiB: number;
  loadAverage: number;
  cpus: number;
}

export function run(records = 200_000): DedupBenchResult {
  const loadAverage = Math.round(loadavg()[0]! * 100) / 100;
  // Warm up the hash and the filter so the first timed loop is not the JIT's.
  const warm = new BloomWindow({ capacity: 1_000_000, bufferSize: 1000, falsePositiveRate: RATE });
  for (const t of texts('twoByte')(0, 50_000).concat(texts('oneByte')(0, 50_000))) {
    warm.addIfNew(contentHash(t));
  }

  const hashOnly = { oneByte: 0, twoByte: 0 };
  for (const kind of ['oneByte', 'twoByte'] as const)
    hashOnly[kind] = best((pass) =>
      rate(records, texts(kind, pass * records), (batch) => {
        for (const t of batch) contentHash(t);
      }),
    );

  // The filter alone, on hashes computed outside the clock: what the Bloom part costs per record.
  const before = heldBytes();
  const window = new BloomWindow({ capacity: CAPACITY, bufferSize: BUFFER, falsePositiveRate: RATE });
  let duplicates = 0;
  const bloomOnly = best((pass) =>
    rate(
      records,
      (from, to) => texts('oneByte', 10_000_000 + pass * records)(from, to).map(contentHash),
      (hashes) => {
        for (const h of hashes) if (window.addIfNew(h)) duplicates++;
      },
    ),
  );
  // What the target names: hash + check + insert, from the record's text. Each kind, distinct records.
  const windowRate = { oneByte: 0, twoByte: 0 };
  for (const [kind, offset] of [
    ['oneByte', 20_000_000],
    ['twoByte', 30_000_000],
  ] as const)
    windowRate[kind] = best((pass) =>
      rate(records, texts(kind, offset + pass * records), (batch) => {
        for (const t of batch) if (window.addIfNew(contentHash(t))) duplicates++;
      }),
    );
  // What RecordDedup.select does from the parsed blob records: serialise, hash, check, insert.
  const select = { oneByte: 0, twoByte: 0 };
  for (const [kind, offset] of [
    ['oneByte', 40_000_000],
    ['twoByte', 50_000_000],
  ] as const)
    select[kind] = best((pass) =>
      rate(records, parsed(kind, offset + pass * records), (batch) => {
        for (const r of batch) if (window.addIfNew(contentHash(JSON.stringify(r)))) duplicates++;
      }),
    );
  // Every record added must be found again (no false negatives): a sample of the first pass.
  let falseNegatives = 0;
  const sample = Math.min(records, 50_000);
  for (const t of texts('oneByte', 20_000_000)(0, sample)) if (!window.has(contentHash(t))) falseNegatives++;
  const after = heldBytes();
  const stateChars = JSON.stringify(window.toJSON()).length;

  // The package as designed: it hashes the (already hashed) element twice with xxhashjs per has() and add().
  const packageRecords = Math.min(records, 50_000);
  const filter = BloomFilter.create(CAPACITY, RATE);
  const packageHasAdd = rate(packageRecords, texts('oneByte'), (batch) => {
    for (const t of batch) {
      const h = contentHash(t);
      if (!filter.has(h)) filter.add(h);
    }
  });
  const hashing = new Hashing();
  const packageHashTwice = rate(
    packageRecords,
    (from, to) => texts('oneByte')(from, to).map(contentHash),
    (hashes) => {
      for (const h of hashes) hashing.hashTwice(h, 1);
    },
  );

  return {
    records,
    recordBytes: Buffer.byteLength(JSON.stringify(record(0, KINDS.twoByte))),
    hashOnly,
    bloomOnly,
    window: windowRate,
    select,
    duplicatesFound: duplicates,
    falseNegatives,
    sampled: sample,
    packageRecords,
    packageHasAdd,
    packageHashTwice,
    hashFunctions: window.hashFunctions,
    bitsPerBlock: window.geometry.bitsPerBlock,
    filterMiB: Math.round((window.filterBytes / MiB) * 10) / 10,
    heldMiB: Math.round(((after - before) / MiB) * 10) / 10,
    stateMiB: Math.round((stateChars / MiB) * 10) / 10,
    loadAverage,
    cpus: availableParallelism(),
  };
}

/** The runtime's own rates: this benchmark in a child process started with the image's node flags. */
function runAsTheImage(records: number | undefined): DedupBenchResult {
  const args = [...RUNTIME_IMAGE_NODE_ARGS, fileURLToPath(import.meta.url), '--child'];
  if (records !== undefined) args.push('--records', String(records));
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0)
    throw new Error(`the benchmark under ${RUNTIME_IMAGE_NODE_ARGS.join(' ')} failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as DedupBenchResult;
}

export async function writeResults(r: DedupBenchResult, image: DedupBenchResult): Promise<void> {
  const n = (x: number) => x.toLocaleString('en-US');
  const us = (perSecond: number) => (1e6 / perSecond).toFixed(2);
  const met = (ok: boolean) => (ok ? 'met' : 'not met');
  const section = [
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npx node test/bench/dedup-throughput.ts\` (Node ${process.version}, ` +
      `best of ${PASSES} runs of ${n(r.records)} distinct records of about ${r.recordBytes} bytes per row, ${r.cpus} CPUs, load average ${r.loadAverage} at the start).`,
    'Rates are records per second of this process’s CPU time (one thread), so other work on the box does not count',
    'against them; it still costs cache misses and shared cores, so a loaded box measures low.',
    `Geometry: capacity ${n(CAPACITY)}, false-positive rate ${RATE} at capacity → two 64-byte blocks per record, ` +
      `${r.bitsPerBlock} bits in each (${r.hashFunctions} in all), ${r.filterMiB} MiB of bits. ` +
      'Targets: ≥ 300,000 records/s through hash + check + insert; ≤ 40 MiB for the filter.',
    '',
    '| path | text of one byte per character (ASCII/Latin-1) | text with a character above U+00FF |',
    '|---|---|---|',
    `| SHA-256 content hash alone (\`contentHash\`) | ${n(r.hashOnly.oneByte)} | ${n(r.hashOnly.twoByte)} |`,
    `| Bloom check + insert alone (\`BloomWindow.addIfNew\`, hashes precomputed) | ${n(r.bloomOnly)} | ${n(r.bloomOnly)} |`,
    `| **target path: \`contentHash\` + \`addIfNew\` (check + insert in one pass) from the record's text** | **${n(r.window.oneByte)}** | **${n(r.window.twoByte)}** |`,
    `| \`RecordDedup.select\` per record: \`JSON.stringify\` of the parsed record + the above | ${n(r.select.oneByte)} | ${n(r.select.twoByte)} |`,
    `| \`bloom-filters\` \`BloomFilter\` as designed: \`contentHash\` + \`has\` + \`add\` (${n(r.packageRecords)} records) | ${n(r.packageHasAdd)} | |`,
    `| \`bloom-filters\` \`Hashing.hashTwice\` alone (what it runs per \`has\` and per \`add\`) | ${n(r.packageHashTwice)} | |`,
    '',
    `As the runtime image runs it (\`node ${RUNTIME_IMAGE_NODE_ARGS.join(' ')}\`: Maglev, no TurboFan, docs/design-notes.md "Runtime footprint"), the same benchmark in a child process:`,
    '',
    '| path | one byte per character | a character above U+00FF |',
    '|---|---|---|',
    `| Bloom check + insert alone | ${n(image.bloomOnly)} | ${n(image.bloomOnly)} |`,
    `| **target path: \`contentHash\` + \`addIfNew\`** | **${n(image.window.oneByte)}** | **${n(image.window.twoByte)}** |`,
    `| \`RecordDedup.select\` per record | ${n(image.select.oneByte)} | ${n(image.select.twoByte)} |`,
    '',
    `Throughput target (≥ 300,000/s through hash + check + insert): ${met(r.window.oneByte >= 300_000)} for one-byte text ` +
      `(${met(image.window.oneByte >= 300_000)} as the image runs it), ${met(r.window.twoByte >= 300_000)} for two-byte text ` +
      `(${met(image.window.twoByte >= 300_000)}) on this run. The Bloom check + insert costs ${us(r.bloomOnly)} µs per record`,
    `(two cache lines); the SHA-256 of the text ${us(r.hashOnly.oneByte)} µs (one-byte) or ${us(r.hashOnly.twoByte)} µs (two-byte: most of it is`,
    'the UTF-8 encoding). Serialising the parsed record for the hash costs what the last row adds.',
    '',
    `Memory (target ≤ 40 MiB for the filter: ${met(r.filterMiB <= 40)}): the bit array is ${r.filterMiB} MiB (a \`bloom-filters\` \`BitSet\`); with the ring`,
    `of ${n(BUFFER)} recent hashes the window holds ${r.heldMiB} MiB (heap + array buffers after a full GC). Persisted`,
    `(deflated filter + buffer, base64, after ${n(r.records * 5 * PASSES)} records) it is ${r.stateMiB} MiB of JSON. Among the distinct records`,
    `${r.duplicatesFound} were taken for duplicates (false positives); ${r.falseNegatives} of ${n(r.sampled)} added records were not found again.`,
    '',
    'Why blocked: the classic layout (bits anywhere in the filter) needs 34.3 MiB and 20 bit positions at 10M/1e-6,',
    'i.e. 20 cache misses per check, ~3.4 µs measured, more than the hash. With all bits of a record in one',
    '64-byte block the rate at capacity (Putze, Sanders & Singler; Poisson mix over block loads) needs 45.9 MiB',
    '(16 bits) for 1e-6, over the 40 MiB budget; two blocks per record need 36.9 MiB (9 + 9 bits) for two cache misses.',
    '',
    'Why not hash bytes: before the dedup there are no UTF-8 bytes of the record to reuse (the HTTP client',
    'decodes the blob body to text and parses it; the output encodes its line after the dedup). Encoding the',
    'text into a reused buffer first and hashing that is no faster than `crypto.hash` of the string (the same',
    'UTF-8 encoding; measured 317k/s against 348k/s for two-byte text), and hashing raw blob spans would dedup byte',
    'spellings instead of JSON values. The hash stays `crypto.hash(sha256, text)`, so hashes saved by earlier',
    'versions stay valid.',
    '',
    "Why the package's own filter is slow: every `has()` and `add()` calls `Hashing.hashTwice`, i.e. two",
    '64-bit xxHash runs in xxhashjs, which emulates 64-bit integers with UINT64 objects in plain JavaScript,',
    'so one check + insert costs four of them. The runtime keeps `bloom-filters` for the bit storage (`BitSet`)',
    'and derives the bit positions from the SHA-256 content hash it computes anyway.',
    '',
  ].join('\n');
  await replaceSection('Dedup throughput', section);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--records');
  const records = i > 0 ? Number(process.argv[i + 1]) : undefined;
  const result = run(records);
  if (process.argv.includes('--child')) console.log(JSON.stringify(result));
  else {
    console.log(JSON.stringify(result, null, 2));
    const image = runAsTheImage(records);
    console.log(JSON.stringify({ asTheImageRunsIt: image }, null, 2));
    await writeResults(result, image);
  }
}
