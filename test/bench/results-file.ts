// test/bench/RESULTS.md holds one `## <heading>` section per benchmark; each benchmark replaces only its own.
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const RESULTS_FILE = join(resolve(import.meta.dirname, '../..'), 'test/bench/RESULTS.md');

export async function replaceSection(heading: string, body: string): Promise<void> {
  const existing = await readFile(RESULTS_FILE, 'utf8').catch(() => '# Benchmark results\n');
  const section = `## ${heading}\n\n${body.trim()}\n`;
  const start = existing.indexOf(`## ${heading}`);
  let next: string;
  if (start < 0) next = `${existing.trimEnd()}\n\n${section}`;
  else {
    const after = existing.indexOf('\n## ', start + 1);
    next = existing.slice(0, start) + section + (after < 0 ? '' : `\n${existing.slice(after + 1)}`);
  }
  await writeFile(RESULTS_FILE, next.endsWith('\n') ? next : `${next}\n`);
}
