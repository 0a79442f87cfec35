// Image build step: writes every TypeScript source of the given folders as JavaScript, types erased by Node's
// own module.stripTypeScriptTypes (whitespace in their place, so stack-trace lines and columns stay those of
// the sources) and relative `.ts` import specifiers turned into `.js`. The image's node then never loads its
// TypeScript stripper, which costs ~18 MiB of RSS in every pod (test/bench/RESULTS.md, "Runtime memory").
// Usage: node images/strip-types.ts <out dir> <source dir>...   (paths relative to the current directory)
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

/** `from './x.ts'`, `import './x.ts'` and `import('./x.ts')` with a relative specifier. */
const RELATIVE_TS_SPECIFIER = /(\bfrom\s+|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g;

export function toJavaScript(source: string): string {
  return stripTypeScriptTypes(source).replace(RELATIVE_TS_SPECIFIER, '$1$2$3.js$2');
}

/** Writes `<outDir>/<source path relative to root>.js` for every .ts file under the source folders. */
export async function stripTree(outDir: string, sourceDirs: readonly string[], root = '.'): Promise<number> {
  let files = 0;
  for (const src of sourceDirs)
    for (const entry of await readdir(resolve(root, src), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const from = join(entry.parentPath, entry.name);
      const to = join(outDir, relative(resolve(root), from).slice(0, -3) + '.js');
      await mkdir(dirname(to), { recursive: true });
      await writeFile(to, toJavaScript(await readFile(from, 'utf8')), { mode: 0o755 });
      files++;
    }
  return files;
}

if (import.meta.main) {
  const [outDir, ...sourceDirs] = process.argv.slice(2);
  if (!outDir || sourceDirs.length === 0) {
    process.stderr.write('usage: node images/strip-types.ts <out dir> <source dir>...\n');
    process.exit(2);
  }
  process.stdout.write(`${await stripTree(outDir, sourceDirs)} files written to ${outDir}\n`);
}
