// The PoD simulator speaks the Log API as documented: handshake refusals, live place kept for an hour,
// archive replay then a normal close, and each knob doing what it says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import WebSocket from 'ws';
import {
  CONFLICT_BODY,
  CONFLICT_CONTENT_TYPE,
  SIM_POD_CLUSTER,
  SIM_POD_TOKEN,
  startPodSimulator,
  type PodSimulator,
  type PodSimulatorOptions,
} from './server.ts';
import { waitFor } from '../../support/wait.ts';

const HOUR = 3_600_000;

async function sim(t: { after(fn: () => unknown): void }, opts: PodSimulatorOptions = {}) {
  let offset = 0;
  const s = await startPodSimulator({ clock: { now: () => Date.now() + offset }, ...opts });
  t.after(() => s.close());
  return { s, jump: (ms: number) => (offset += ms), now: () => Date.now() + offset };
}

interface Client {
  ws: WebSocket;
  frames: Record<string, unknown>[];
  raw: Buffer[];
  closed: Promise<number>;
}

function connect(
  s: PodSimulator,
  query: string,
  token = SIM_POD_TOKEN,
): Promise<Client | { status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${s.url}?${query}`, { headers: { Authorization: `Bearer ${token}` } });
    const frames: Record<string, unknown>[] = [];
    const raw: Buffer[] = [];
    ws.on('message', (d: Buffer) => {
      raw.push(d);
      frames.push(JSON.parse(d.toString()) as Record<string, unknown>);
    });
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('error', () => undefined);
    ws.on('open', () => resolve({ ws, frames, raw, closed }));
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode!, body, type: String(res.headers['content-type']) });
      });
    });
    setTimeout(() => reject(new Error('no handshake answer')), 5000).unref();
  });
}

async function open(s: PodSimulator, query: string): Promise<Client> {
  const c = await connect(s, query);
  if (!('ws' in c)) assert.fail(`expected a session, got ${JSON.stringify(c)}`);
  return c;
}

async function status(s: PodSimulator, query: string, token?: string): Promise<number> {
  const c = await connect(s, query, token);
  if ('ws' in c) {
    c.ws.close();
    return 101;
  }
  return c.status;
}

test('handshake refusals: 404 path, 405 method, 400 query and times, 401 token, 409 second session', async (t) => {
  const { s, now } = await sim(t);
  const q = `cid=${SIM_POD_CLUSTER}&type=message`;
  const wrongPath = new WebSocket(`ws://127.0.0.1:${s.port}/v2/stream?${q}`);
  wrongPath.on('error', () => undefined);
  const code = await new Promise<number>((r) =>
    wrongPath.on('unexpected-response', (_q, res) => r(res.statusCode!)),
  );
  assert.equal(code, 404);
  const post = await new Promise<number>((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: s.port,
        path: `/v1/stream?${q}`,
        method: 'POST',
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      },
      (res) => resolve(res.statusCode!),
    );
    req.on('upgrade', () => resolve(101));
    req.end();
  });
  assert.equal(post, 405);
  assert.equal(await status(s, 'type=message'), 400);
  assert.equal(await status(s, `cid=${SIM_POD_CLUSTER}&type=mail`), 400);
  // An unencoded `+` decodes to a space: the time no longer parses.
  assert.equal(await status(s, `${q}&sinceTime=2026-01-01T10:00:00.000+0000`), 400);
  const old = new Date(now() - 31 * 24 * HOUR).toISOString();
  assert.equal(await status(s, `${q}&sinceTime=${encodeURIComponent(old)}`), 400);
  assert.equal(await status(s, q, 'wrong-token'), 401);
  assert.equal(await status(s, `cid=other_hosted&type=message`), 401);

  const first = await open(s, q);
  const second = await connect(s, q);
  assert.deepEqual(second, { status: 409, body: CONFLICT_BODY, type: CONFLICT_CONTENT_TYPE });
  assert.equal(Buffer.byteLength(CONFLICT_BODY), 47);
  const otherType = await open(s, `cid=${SIM_POD_CLUSTER}&type=maillog`);
  otherType.ws.close();
  first.ws.close();
  await first.closed;
  assert.equal(await status(s, q), 101, 'a normal close releases the session at once');
});

test('live: new events stream; within an hour the place is kept; after an hour only the last hour is left', async (t) => {
  const { s, jump, now } = await sim(t);
  const q = `cid=${SIM_POD_CLUSTER}&type=maillog`;
  let c = await open(s, q);
  s.add('maillog', 10, { from: now() - 1000, to: now() });
  await waitFor('10 frames', () => c.frames.length === 10);
  assert.deepEqual(
    c.frames.map((f) => f.id),
    Array.from({ length: 10 }, (_, i) => s.idOf('maillog', i)),
  );
  assert.match(String(c.frames[0]!.ts), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}-0800$/);
  c.ws.close();
  await c.closed;
  s.add('maillog', 5, { from: now() - 1000, to: now() });
  jump(30 * 60_000);
  c = await open(s, q);
  await waitFor('the 5 logged while away', () => c.frames.length === 5);
  assert.equal(c.frames[0]!.id, s.idOf('maillog', 10));
  c.ws.close();
  await c.closed;
  // 20 events over the next two hours (seq 15-34), then 2.5 hours away: the last hour holds seq 30-34.
  s.add('maillog', 20, { from: now(), to: now() + 2 * HOUR });
  jump(2.5 * HOUR);
  c = await open(s, q);
  await waitFor('the last hour', () => c.frames.length === 5);
  assert.equal(c.frames[0]!.id, s.idOf('maillog', 30), 'only the events of the last hour');
  c.ws.close();
});

test('archive: sinceTime (floored to the hour) replays its window, then the server closes normally', async (t) => {
  const { s, now } = await sim(t, { scenario: { mixedOffsets: true } });
  const t0 = Math.floor(now() / HOUR) * HOUR - 3 * HOUR;
  s.add('message', 30, { from: t0, to: t0 + 3 * HOUR - 1 });
  const since = new Date(t0 + HOUR + 25 * 60_000).toISOString().replace('Z', '+0000');
  const c = await open(s, `cid=${SIM_POD_CLUSTER}&type=message&sinceTime=${encodeURIComponent(since)}`);
  assert.equal(await c.closed, 1000);
  assert.equal(c.frames.length, 20, 'two of the three hours');
  assert.equal(c.frames[0]!.guid, s.idOf('message', 10));
  assert.deepEqual(s.stats().archiveQueries, [since]);
  const offsets = new Set(c.frames.map((f) => /([+-]\d\d:?\d\d)$/.exec(String(f.ts))![1]));
  assert.ok(offsets.has('-0800') && offsets.has('+0530') && offsets.has('-05:00'), [...offsets].join(' '));
});

test('drops: 1006 for the client, 409 until the session is released, and the place goes back (at-least-once)', async (t) => {
  const { s, now } = await sim(t, { scenario: { releaseDelayMs: 600, rewindOnDrop: 3 } });
  const q = `cid=${SIM_POD_CLUSTER}&type=message`;
  const c = await open(s, q);
  s.add('message', 8, { from: now() - 1000, to: now() });
  await waitFor('8 frames', () => c.frames.length === 8);
  s.dropAll();
  assert.equal(await c.closed, 1006);
  assert.equal(await status(s, q), 409);
  await new Promise((r) => setTimeout(r, 700));
  const again = await open(s, q);
  await waitFor('the rewound frames', () => again.frames.length === 3);
  assert.deepEqual(
    again.frames.map((f) => f.guid),
    [5, 6, 7].map((i) => s.idOf('message', i)),
  );
  again.ws.close();
});

test('knobs: duplicates, large frames, drop after N frames, 409 storm, idle close, half-open sockets', async (t) => {
  const { s, now } = await sim(t, {
    largeFrameBytes: 1536 * 1024,
    scenario: { duplicateEvery: 4, largeFrameEvery: 10 },
  });
  const q = `cid=${SIM_POD_CLUSTER}&type=message`;
  let c = await open(s, q);
  s.add('message', 20, { from: now() - 1000, to: now() });
  await waitFor('20 frames and their duplicates', () => c.frames.length === 25);
  assert.equal(new Set(c.frames.map((f) => f.guid)).size, 20);
  assert.ok(c.raw.filter((b) => b.length > 1024 * 1024).length >= 2, 'frames over 1 MiB');
  c.ws.close();
  await c.closed;

  s.scenario.force409 = 2;
  assert.equal(await status(s, q), 409);
  assert.equal(await status(s, q), 409);
  s.scenario.duplicateEvery = 0;
  s.scenario.dropAfterFrames = 5;
  c = await open(s, q);
  s.add('message', 10, { from: now() - 1000, to: now() });
  assert.equal(await c.closed, 1006);
  assert.equal(c.frames.length, 5);
  s.scenario.dropAfterFrames = 0;

  s.scenario.idleCloseMs = 300;
  c = await open(s, q);
  assert.equal(await c.closed, 1001);
  assert.equal(s.stats().idleCloses, 1);
  s.scenario.idleCloseMs = 0;

  s.scenario.halfOpen = true;
  c = await open(s, q);
  let pongs = 0;
  c.ws.on('pong', () => pongs++);
  c.ws.ping();
  s.add('message', 3, { from: now() - 1000, to: now() });
  await waitFor('the ping to arrive', () => s.stats().pingsReceived >= 1);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(pongs, 0);
  assert.equal(c.frames.length, 0);
  s.scenario.halfOpen = false;
  c.ws.ping();
  await waitFor('a pong and the frames once the socket is back', () => pongs === 1 && c.frames.length === 3);
  c.ws.close();
});
