// `npm run generate`: writes the CRDs, the chart's generated templates and the dashboard from TypeScript.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { generatedFiles } from './generated-files.ts';

const root = resolve(import.meta.dirname, '../../..');
for (const [path, content] of await generatedFiles()) {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  process.stdout.write(`wrote ${path}\n`);
}
