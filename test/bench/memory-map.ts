// Where an idle runtime's RSS goes: the stand-alone runtime as the image runs it pulls a backlog of sign-ins
// and idles for a minute (test/bench/runtime-memory.ts); then its /proc/<pid>/smaps is summed by mapping, and the
// node binary's resident pages (/proc/<pid>/pagemap, one present bit per page) are attributed to the binary's
// symbols (`nm`: the official binary is not stripped) and grouped by component: TurboFan, Maglev, OpenSSL, ICU…
// A diagnostic for docs/design-notes.md "Runtime footprint", not a benchmark with a target; prints only.
// Run: npx node test/bench/memory-map.ts
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { measure } from './runtime-memory.ts';

const PAGE = 4096;
const MiB = (kib: number) => (kib / 1024).toFixed(1).padStart(6);

/** Resident KiB per mapping (path and permissions), and the address ranges of the node binary. */
function smapsByMapping(pid: number): { byMapping: Map<string, number>; binary: [number, number][] } {
  const byMapping = new Map<string, number>();
  const binary: [number, number][] = [];
  let current = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      current = `${m[4] || '[anonymous]'} ${m[3]}`;
      if (m[4] === process.execPath) binary.push([parseInt(m[1]!, 16), parseInt(m[2]!, 16)]);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) byMapping.set(current, (byMapping.get(current) ?? 0) + Number(rss[1]));
  }
  return { byMapping, binary };
}

/** Addresses of the resident pages in the given ranges (bit 63 of each pagemap entry). */
function residentPages(pid: number, ranges: [number, number][]): number[] {
  const fd = openSync(`/proc/${pid}/pagemap`, 'r');
  const pages: number[] = [];
  try {
    for (const [from, to] of ranges) {
      const buf = Buffer.alloc(((to - from) / PAGE) * 8);
      readSync(fd, buf, 0, buf.length, (from / PAGE) * 8);
      for (let i = 0; i < buf.length / 8; i++)
        if (buf.readBigUInt64LE(i * 8) >> 63n) pages.push(from + i * PAGE);
    }
  } finally {
    closeSync(fd);
  }
  return pages;
}

const COMPONENTS: [string, RegExp][] = [
  ['V8 TurboFan (compiler, turboshaft)', /v8::internal::compiler::/],
  ['V8 Maglev', /v8::internal::maglev::/],
  ['V8 Sparkplug', /v8::internal::baseline::/],
  ['V8 WebAssembly', /v8::internal::wasm::/],
  ['V8 parser, interpreter', /v8::internal::(interpreter|Parser|Scanner|Bytecode|Scope|Ast)/],
  ['V8 heap, GC', /v8::internal::(Heap|Mark|Scavenge|Sweep|Concurrent|Minor|Evacuat)|cppgc/],
  ['V8 other', /v8::|v8_/],
  ['ICU', /icu_|icudt/],
  [
    'OpenSSL',
    /^(ossl|OPENSSL|EVP_|SSL|ssl|X509|BN_|bn_|ASN1|CRYPTO|ERR_|RSA|EC_|ec_|PEM|OBJ_|tls|aes|sha|ecp_)/,
  ],
  ['simdjson, simdutf, ada', /simdjson|simdutf|ada::/],
  ['libuv', /^uv_|^uv__/],
  ['Node', /node::|node_|napi_/],
];

function component(symbol: string | undefined): string {
  if (symbol === undefined) return 'no symbol (tables, strings, headers)';
  return COMPONENTS.find(([, re]) => re.test(symbol))?.[0] ?? 'other symbols';
}

/** Resident binary KiB per component: each page goes to the symbol that covers most of it. */
function binaryByComponent(pages: number[]): Map<string, number> {
  const symbols: [number, number, string][] = [];
  const nm = execFileSync('nm', ['-n', '-S', '-C', '--defined-only', process.execPath], {
    maxBuffer: 1 << 30,
  });
  for (const line of nm.toString().split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) \S (.*)$/.exec(line);
    if (m) symbols.push([parseInt(m[1]!, 16), parseInt(m[2]!, 16), m[3]!]);
  }
  symbols.sort((a, b) => a[0] - b[0]);
  const out = new Map<string, number>();
  let first = 0;
  for (const page of pages) {
    while (first + 1 < symbols.length && symbols[first + 1]![0] <= page) first++;
    let best = 0;
    let name: string | undefined;
    for (let k = first; k < symbols.length && symbols[k]![0] < page + PAGE; k++) {
      const [at, size, sym] = symbols[k]!;
      const overlap = Math.min(at + size, page + PAGE) - Math.max(at, page);
      if (overlap > best) [best, name] = [overlap, sym];
    }
    const c = component(name);
    out.set(c, (out.get(c) ?? 0) + PAGE / 1024);
  }
  return out;
}

function print(title: string, kib: Map<string, number>): void {
  console.log(`\n${title}`);
  for (const [k, v] of [...kib].sort((a, b) => b[1] - a[1])) if (v >= 100) console.log(`${MiB(v)} MiB  ${k}`);
}

const { idleRssMiB } = await measure(false, 'image', async (runtime) => {
  const pid = runtime.child.pid!;
  const { byMapping, binary } = smapsByMapping(pid);
  print('Resident by mapping (/proc/<pid>/smaps)', byMapping);
  const pages = residentPages(pid, binary);
  print(
    `The node binary's ${MiB((pages.length * PAGE) / 1024).trim()} MiB of resident pages, by component`,
    binaryByComponent(pages),
  );
});
console.log(`\nIdle RSS (median of the idle minute's last 10 s): ${idleRssMiB} MiB`);
