// `npm start` as a user runs it: the sandbox entry point starts, events reach its receiver, /metrics
// answers, and Ctrl-C (SIGINT) stops it cleanly with exit code 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

test('the sandbox delivers events, serves /metrics and stops on SIGINT', async () => {
  const home = await mkdtemp(join(tmpdir(), 'sandbox-'));
  const child = spawn(
    process.execPath,
    ['test/sandbox/main.ts', '--metrics-port', '0', '--interval', '1', '--home', home],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const deadline = Date.now() + 60_000;
    let events = 0;
    while (Date.now() < deadline) {
      const counts = [...out.matchAll(/receiver has (\d+) events/g)].map((m) => Number(m[1]));
      events = counts.at(-1) ?? 0;
      if (events > 1000) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(events > 1000, `events reached the receiver (output so far:\n${out})`);
    const port = /http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(out)?.[1];
    assert.ok(port, 'the metrics address is printed');
    // The audit services share 5 requests per 10 s (their setup probes spend the first ones): poll.
    const signInsSent = /devo_collector_events_sent_total\{[^}]*service="signIns_v2"[^}]*\} [1-9]/;
    // A connection whose resend share filled is closed cleanly before its replacement opens, so the gauge
    // can read 0 for a moment while the sandbox's backlog flows: poll for it as well.
    const connected = /devo_collector_sender_connected\{[^}]*\} 1/;
    let metrics = '';
    while (Date.now() < deadline && !(signInsSent.test(metrics) && connected.test(metrics))) {
      metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.match(metrics, signInsSent);
    assert.match(metrics, connected);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    const received = await readFile(join(home, 'received.log'), 'utf8');
    assert.match(
      received.split('\n')[0]!,
      /^<14>\S+ \S+ (cloud|mail)\.[a-z0-9_.-]+: \{.*"@devo_pulling_id":\d+/,
    );
    assert.match(
      received,
      /^<14>\S+ \S+ mail\.proofpoint\.pod\.maillog: \{"id":/m,
      'the PoD streams deliver too',
    );
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.match(out, /Sandbox stopped\./);
  } finally {
    child.kill('SIGKILL');
    await rm(home, { recursive: true, force: true });
  }
});
