import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generatedFiles } from '../../../operator/src/manifests/generated-files.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

test("crds/, the chart's generated templates and the dashboard match `npm run generate`", async () => {
  const files = await generatedFiles();
  for (const [path, content] of files) {
    let onDisk: string;
    try {
      onDisk = readFileSync(join(ROOT, path), 'utf8');
    } catch {
      assert.fail(`${path} is missing: run npm run generate`);
    }
    assert.ok(
      onDisk === content,
      `${path} differs from the generator output: run npm run generate (never edit it by hand)`,
    );
  }
  const crds = readdirSync(join(ROOT, 'crds')).map((f) => `crds/${f}`);
  assert.deepEqual(
    crds.filter((f) => !files.has(f)),
    [],
    'crds/ holds files the generator does not write',
  );
});
