// Back-pressure end to end: a 5,000 frames/s maillog stream while rsyslog (the Devo side) is frozen for a
// minute. The runtime, the real CLI in its own process, must stop reading the WebSocket instead of
// buffering: its RSS stays bounded (printed), the simulator sees its socket push back, and once rsyslog
// thaws the stream resumes with nothing lost.
//
// What may vary with the load on the machine, and is therefore not asserted as a fixed number:
// - Redelivery. With the receiver frozen, the kernel buffers (Linux autotunes the receive buffer up to
//   tcp_rmem's maximum) can take the whole resend share of the connection; the output then replaces the
//   connection, the close finds no FIN within close_timeout_seconds and everything written on it is sent
//   again (at-least-once, README "Delivery to Devo without acknowledgements"). Duplicates at the receiver
//   are therefore allowed, but never more than the runtime counted as resent.
// - RSS: measured in the runtime's process only (not this one, which runs the simulator), as the peak
//   (VmHWM, reset when the block starts) against the RSS just before it, so no sample can miss a peak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateTestPki } from '../../../support/tls-certs.ts';
import { startRsyslogReceiver } from '../../../support/rsyslog-receiver.ts';
import { waitFor } from '../../../support/wait.ts';
import { SIM_POD_CLUSTER, SIM_POD_TOKEN, startPodSimulator } from '../../../simulators/proofpoint/server.ts';
import { runCli, writeHome } from '../../cli/cli-run.ts';

const RATE = 5_000;
const BLOCKED_MS = 60_000;
const MiB = 1024 * 1024;
/** The simulator's maillog frames average 889 bytes: without back-pressure the minute piles up ~254 MiB. */
const FRAME_BYTES = 889;
const UNBOUNDED_MIB = (RATE * (BLOCKED_MS / 1000) * FRAME_BYTES) / MiB;
/**
 * The designed bound while blocked: the stream's commit queue (10,000 decoded events and one batch in
 * flight), the output queue (10,000 encoded events) and the connection's resend share (16 MiB), about
 * +11 to +71 MiB measured. Generous, yet well below what an unbounded buffer would hold in raw frame
 * bytes alone (decoded objects take several times their bytes).
 */
const RSS_GROWTH_BOUND_MIB = 150;

/** VmRSS and VmHWM (the peak since the last reset) of a process, in MiB. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

test(
  'memory stays bounded while the output is blocked for a minute under 5,000 frames/s',
  { timeout: 300_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'pod-backpressure-'));
    const pki = await generateTestPki(join(dir, 'pki'));
    const receiver = await startRsyslogReceiver({ pki, dir: join(dir, 'rsyslog') });
    const sim = await startPodSimulator({ seed: 5 });
    const home = join(dir, 'home');
    await writeHome(home, pki, {
      globals: { id: 'pod', name: 'pod-backpressure', metrics: { host: '127.0.0.1', port: 0 } },
      outputs: {
        devo_1: {
          type: 'devo_platform',
          config: {
            address: 'localhost',
            port: receiver.port,
            chain: 'chain.crt',
            cert: 'domain.crt',
            key: 'domain.key',
          },
        },
      },
      inputs: {
        proofpoint_on_demand: {
          id: 'pod',
          credentials: { cluster_id: SIM_POD_CLUSTER, api_key: SIM_POD_TOKEN },
          services: { maillog: { override_url_base: sim.url } },
        },
      },
    });
    const run = runCli(home);
    let stopProducing = () => {};
    // One cleanup, in order and bounded: the runtime first (its sockets hold the simulator's server open).
    t.after(async () => {
      stopProducing();
      receiver.resume();
      if (run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill('SIGKILL');
        await run.exit;
      }
      await sim.close();
      await receiver.stop();
      await rm(dir, { recursive: true, force: true });
    });
    const started = await waitFor(
      'the collector to start',
      () => run.records().find((r) => r.msg === 'Started the collector'),
      60_000,
    );
    const resentEvents = async () => {
      const text = await (await fetch(`http://127.0.0.1:${String(started.metricsPort)}/metrics`)).text();
      let n = 0;
      for (const line of text.split('\n'))
        if (line.startsWith('devo_collector_sender_resent_events_total{'))
          n += Number(line.slice(line.lastIndexOf(' ') + 1));
      return n;
    };
    await waitFor('the stream to connect', () => sim.stats().liveSessions === 1, 30_000);
    stopProducing = sim.produce('maillog', RATE);
    await waitFor('the stream to flow', async () => (await receiver.countLines()) >= 5_000, 60_000, 100);

    const pid = run.child.pid!;
    const before = memoryOf(pid).rss;
    writeFileSync(`/proc/${pid}/clear_refs`, '5'); // VmHWM := VmRSS: the peak from here on
    const sentBefore = sim.stats().framesSent;
    receiver.hang();
    const samples: number[] = [];
    const blockedAt = Date.now();
    while (Date.now() - blockedAt < BLOCKED_MS) {
      await sleep(5_000);
      samples.push(Math.round(memoryOf(pid).rss));
    }
    const { peak } = memoryOf(pid);
    const sentWhileBlocked = sim.stats().framesSent - sentBefore;
    const producedByThen = sim.count('maillog');
    receiver.resume();
    stopProducing();
    t.diagnostic(
      `runtime RSS before the block ${before.toFixed(0)} MiB, every 5 s while blocked ${samples.join(', ')} MiB, ` +
        `peak ${peak.toFixed(0)} MiB (+${(peak - before).toFixed(0)} MiB, bound +${RSS_GROWTH_BOUND_MIB}, ` +
        `unbounded would be ~${UNBOUNDED_MIB.toFixed(0)} MiB of frames); frames read while blocked ` +
        `${sentWhileBlocked} of ${producedByThen} logged`,
    );
    // The collector stopped reading: the simulator could hand over only what socket buffers and the bounded
    // queues hold, a small part of the minute's 300,000 frames.
    assert.ok(sentWhileBlocked < 60_000, `${sentWhileBlocked} frames were read while the output was blocked`);
    assert.ok(
      peak - before < RSS_GROWTH_BOUND_MIB,
      `RSS grew by ${(peak - before).toFixed(0)} MiB while blocked`,
    );

    // Once rsyslog thaws the stream flows again: the frames the collector held arrive, then newer ones (the
    // backlog of the whole minute would take minutes to drain here).
    const atThaw = await receiver.countLines();
    await receiver.waitForCount(atThaw + sentWhileBlocked + 1_000, 120_000).catch((err: Error) => {
      throw new Error(`${err.message}; sim ${JSON.stringify(sim.stats())}; logs ${run.logs().slice(-3000)}`);
    });
    const resent = await resentEvents();
    // Up to the size now: the backlog keeps flowing in while the file is read.
    const size = await receiver.fileSize();
    const lines = createInterface({ input: createReadStream(receiver.outputFile, { end: size - 1 }) });
    const seen = new Set<string>();
    let duplicates = 0;
    for await (const line of lines) {
      if (!line.endsWith('}')) continue; // the last line may be cut at the snapshot
      const at = line.indexOf('"id":"');
      const id = line.slice(at + 6, line.indexOf('"', at + 6));
      if (seen.has(id)) duplicates++;
      seen.add(id);
    }
    // One connection at a time writes in stream order and resends before anything new: what arrived is
    // the stream's first events without a gap.
    let prefix = 0;
    while (seen.has(sim.idOf('maillog', prefix))) prefix++;
    t.diagnostic(
      `after the thaw: ${seen.size} distinct events, the first ${prefix} without a gap; ` +
        `${duplicates} duplicates, ${resent} events resent by the output`,
    );
    assert.equal(prefix, seen.size, 'every event up to the newest one received arrived (no gap)');
    assert.ok(duplicates <= resent, `${duplicates} duplicates, only ${resent} resent`);
    run.child.kill('SIGTERM');
    assert.equal(await run.exit, 0, run.logs().slice(-3000));
  },
);
