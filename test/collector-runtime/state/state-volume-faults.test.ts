// The state volume full (ENOSPC on a 256 KiB tmpfs) and then read-only (EROFS): each checkpoint write fails
// with a CR_ERR_STATE_IO error that says what to do, the previous checkpoint stays intact and readable, and
// the runtime keeps retrying until the volume is writable again, then checkpoints without a restart.
// Needs root (mount); skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scaledClock } from '../../../collector-runtime/src/core/clock.ts';
import { waitFor } from '../../support/wait.ts';
import { startGraphSimulator } from '../../simulators/graph/server.ts';
import { eventsOf, startGraphRun } from '../inputs/microsoft_graph/graph-run.ts';
import { metricValue } from '../output/output-fixture.ts';
import { receiverFixtureForFile } from '../../support/receiver-fixture.ts';

const isRoot = process.getuid?.() === 0;
const fx = receiverFixtureForFile('state-faults');

test(
  'state volume full, then read-only: clear error, checkpoint intact, retried until writable',
  { skip: !isRoot && 'needs root to mount a tmpfs' },
  async (t) => {
    const clock = scaledClock(20);
    const sim = await startGraphSimulator({ clock, pageSize: 100 });
    t.after(() => sim.close());
    const home = join(fx.dir, 'home');
    const state = join(home, 'state');
    await mkdir(state, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', state]);
    t.after(() => execFileSync('umount', ['-l', state]));
    const environment = 'state-faults';
    const start = new Date(clock.now() - 3 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    sim.addRecords('alerts_v2', 200, { from: clock.now() - 2 * 3_600_000, to: clock.now() - 60_000 });
    const run = await startGraphRun({
      home,
      pki: fx.pki,
      receiverPort: fx.receiver.port,
      sim,
      environment,
      clock,
      security: { alerts_v2: { start_time_in_utc: start } },
    });
    t.after(() => run.stop());
    const labels = { service: 'alerts_v2' };
    const writes = (result: string) => metricValue(run.runtime.metrics.stateWrites, { ...labels, result });
    const stateFile = join(state, 'microsoft_graph_security.sec.alerts_v2.json');
    const delivered = async () => eventsOf(await fx.receiver.lines(), environment).length;
    await waitFor(
      'the first 200 and their checkpoint',
      async () => (await delivered()) >= 200 && (await writes('success')) >= 1,
      60_000,
    );
    await waitFor('the checkpoint to settle', async () => {
      const a = await readFile(stateFile, 'utf8');
      await new Promise((r) => setTimeout(r, 300));
      return a === (await readFile(stateFile, 'utf8'));
    });

    const faults = [
      {
        name: 'full (ENOSPC)',
        code: /ENOSPC/,
        hint: /state volume is full/,
        break: async () => {
          // Fill every free byte: a tmpfs answers ENOSPC once its pages are used.
          await writeFile(join(state, 'filler'), Buffer.alloc(256 * 1024)).catch(() => undefined);
        },
        heal: () => rm(join(state, 'filler'), { force: true }),
      },
      {
        name: 'read-only (EROFS)',
        code: /EROFS/,
        hint: /mounted read-only/,
        break: async () => execFileSync('mount', ['-o', 'remount,ro', state]),
        heal: async () => execFileSync('mount', ['-o', 'remount,rw', state]),
      },
    ];
    for (const f of faults) {
      const checkpoint = await readFile(stateFile, 'utf8');
      await f.break();
      const errorsBefore = await writes('error');
      const sentBefore = await delivered();
      sim.addRecords('alerts_v2', 50, { from: clock.now() - 50_000, to: clock.now() - 5_000 });
      await waitFor(
        `a failed checkpoint write (${f.name})`,
        async () => (await writes('error')) >= errorsBefore + 2,
        60_000,
      );
      const failure = run.logs.findLast(
        (r) => (r.err as { code?: string } | undefined)?.code === 'CR_ERR_STATE_IO',
      );
      assert.ok(failure, 'the failure is logged with its code');
      const message = String((failure.err as { message: string }).message);
      assert.match(message, f.code);
      assert.match(message, f.hint);
      assert.equal(await readFile(stateFile, 'utf8'), checkpoint, 'the previous checkpoint is intact');
      JSON.parse(checkpoint);
      const healedAt = Date.now();
      await f.heal();
      await waitFor(
        `a checkpoint after the fix (${f.name})`,
        async () => (await readFile(stateFile, 'utf8')) !== checkpoint,
        60_000,
      );
      const failed = (await writes('error')) - errorsBefore;
      console.log(
        `state volume ${f.name}: ${failed} failed checkpoint writes, previous checkpoint intact, ` +
          `checkpointed ${Date.now() - healedAt} ms after the fix, ${(await delivered()) - sentBefore} events sent meanwhile`,
      );
      assert.ok(run.runtime.readiness().services.every((s) => s.phase === 'running'));
    }
  },
);
