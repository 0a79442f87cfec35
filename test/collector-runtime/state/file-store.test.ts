import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStore } from '../../../collector-runtime/src/state/file-store.ts';
import { stateKey } from '../../../collector-runtime/src/state/store.ts';

test('file store writes atomically and reads back; missing is undefined', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'state-'));
  const store = fileStore(join(dir, 'state'));
  assert.equal(await store.get('x'), undefined);
  await store.set('x', '{"a":1}');
  await store.set('x', '{"a":2}');
  assert.equal(await store.get('x'), '{"a":2}');
  assert.deepEqual(await readdir(join(dir, 'state')), ['x.json']); // no temp files left behind
  await store.delete('x');
  assert.equal(await store.get('x'), undefined);
});

test('a state directory that cannot be created gives an error naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'state-'));
  await writeFile(join(dir, 'not-a-dir'), 'a file where the state folder should be');
  const err = await fileStore(join(dir, 'not-a-dir'))
    .set('x', '{}')
    .catch((e: unknown) => e);
  assert.match(String((err as Error).message), /cannot write state file .*not-a-dir\/x\.json/);
  assert.equal((err as { code?: string }).code, 'CR_ERR_STATE_IO');
});

test('state keys are safe file names and ConfigMap keys', () => {
  assert.equal(stateKey('microsoft_graph_audit', 'a/b c', 'signIns'), 'microsoft_graph_audit.a_b_c.signIns');
});
