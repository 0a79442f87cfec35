// The retired resend_window_* keys: old files keep working (the byte bound carries over, the time bound is
// ignored, each with a warning); turning the resend off is refused with the fix.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../collector-runtime/src/config/load.ts';
import { ConfigError } from '../../../collector-runtime/src/core/errors.ts';
import { goodConfig, NOW, removeLayouts, writeLayout } from './config-fixture.ts';

after(removeLayouts);
const OUT = 'outputs.devo_1.config';

function withOutput(settings: Record<string, unknown>) {
  const c = goodConfig();
  Object.assign(c.outputs.devo_1.config, settings);
  return writeLayout(c).file;
}

test('resend_window_bytes carries over to resend_buffer_bytes; resend_window_seconds is ignored; both warn', async () => {
  const { config, warnings } = await loadConfig({
    configPath: withOutput({ resend_window_bytes: 1_048_576, resend_window_seconds: 10 }),
    env: {},
    now: NOW,
  });
  const out = config.outputs.devo_1!.config as Record<string, unknown>;
  assert.equal(out.resend_buffer_bytes, 1_048_576);
  assert.equal(out.resend_window_bytes, undefined);
  assert.deepEqual(warnings.map((w) => w.path).sort(), [
    `${OUT}.resend_window_bytes`,
    `${OUT}.resend_window_seconds`,
  ]);
});

test('the default resend buffer is 16 MiB; resend_window_bytes: 0 (resend off) is refused with the fix', async () => {
  const { config } = await loadConfig({ configPath: withOutput({}), env: {}, now: NOW });
  assert.equal(
    (config.outputs.devo_1!.config as Record<string, unknown>).resend_buffer_bytes,
    16 * 1024 * 1024,
  );
  const err = await loadConfig({
    configPath: withOutput({ resend_window_bytes: 0 }),
    env: {},
    now: NOW,
  }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  const p = err.problems.find((x) => x.path === `${OUT}.resend_window_bytes`);
  assert.match(
    p!.message,
    /can no longer be turned off; remove resend_window_bytes or set resend_buffer_bytes/,
  );
});
