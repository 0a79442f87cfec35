// gzip mode: whole lines written as complete gzip members on the TLS stream. rsyslog cannot decode Devo's
// inline members, so a small node:tls server (mutual TLS with the same PKI) records the raw bytes instead.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import type { RsyslogReceiver } from '../../support/rsyslog-receiver.ts';
import { generateTestPki, type TestPki } from '../../support/tls-certs.ts';
import { batchOf, devoSinkFor, makeTempDir } from './output-fixture.ts';
import { waitFor } from '../../support/wait.ts';

// What gzipSync writes: magic, deflate, no flags, mtime 0, then XFL (0 at level 6) and OS 3 (Unix).
const MEMBER_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]);

/** Splits a connection's bytes into gzip members and decodes each; a cut-off last member is reported apart. */
function decodeMembers(bytes: Buffer): { members: string[]; truncated: boolean } {
  const starts: number[] = [];
  for (let i = bytes.indexOf(MEMBER_HEADER); i !== -1; i = bytes.indexOf(MEMBER_HEADER, i + 1))
    starts.push(i);
  assert.equal(starts[0], 0, 'the stream starts with a member');
  const members: string[] = [];
  for (let k = 0; k < starts.length; k++) {
    const part = bytes.subarray(starts[k], starts[k + 1] ?? bytes.length);
    try {
      members.push(gunzipSync(part).toString('utf8'));
    } catch (err) {
      if (k === starts.length - 1) return { members, truncated: true };
      throw err;
    }
  }
  return { members, truncated: false };
}

interface Recorder {
  server: Server;
  port: number;
  connections: Buffer[][];
  /** Destroys each new connection after it received this many bytes (0: never). */
  cutAfterBytes: number;
}

async function startRecorder(pki: TestPki): Promise<Recorder> {
  const [ca, cert, key] = await Promise.all([
    readFile(pki.caCert),
    readFile(pki.serverCert),
    readFile(pki.serverKey),
  ]);
  const rec: Recorder = {
    server: undefined as unknown as Server,
    port: 0,
    connections: [],
    cutAfterBytes: 0,
  };
  rec.server = createServer(
    { ca, cert, key, requestCert: true, rejectUnauthorized: true },
    (socket: TLSSocket) => {
      const chunks: Buffer[] = [];
      rec.connections.push(chunks);
      const cut = rec.cutAfterBytes;
      rec.cutAfterBytes = 0;
      let bytes = 0;
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        bytes += d.length;
        if (cut > 0 && bytes >= cut) socket.destroy();
      });
      socket.on('end', () => socket.end());
      socket.on('error', () => undefined);
    },
  );
  await new Promise<void>((resolve) => rec.server.listen(0, '127.0.0.1', resolve));
  rec.port = (rec.server.address() as { port: number }).port;
  return rec;
}

let tmp: { dir: string; remove(): Promise<void> };
let pki: TestPki;
let rec: Recorder;
before(async () => {
  tmp = await makeTempDir('devo-gzip');
  pki = await generateTestPki(join(tmp.dir, 'pki'));
  rec = await startRecorder(pki);
});
after(async () => {
  rec.server.close();
  await tmp.remove();
});

/** devoSinkFor wants a receiver; only its port is used. */
const target = () => ({ pki, receiver: { port: rec.port } as RsyslogReceiver });

const line = (run: string, id: number) =>
  `<14>2024-05-01T10:00:00.000Z h my.app.gzip: {"run":"${run}","id":${id},"text":"é漢字😀 \\n\\t ${'z'.repeat(id % 300)}"}\n`;

test('gzip members hold whole lines, at most compression_buffer_in_bytes of them, and decode to the lines sent', async () => {
  const { sink, metrics } = devoSinkFor(target(), { compression: 'gzip', compression_buffer_in_bytes: 8192 });
  await sink.start();
  const lines = Array.from({ length: 2000 }, (_, i) => line('plain', i));
  await Promise.all([sink.write(batchOf(lines.slice(0, 1500))), sink.write(batchOf(lines.slice(1500)))]);
  await sink.stop(5000);
  const bytes = Buffer.concat(rec.connections.at(-1)!);
  assert.equal(
    gunzipSync(bytes).toString('utf8'),
    lines.join(''),
    'concatenated members decode to the lines',
  );
  const { members, truncated } = decodeMembers(bytes);
  assert.equal(truncated, false);
  assert.ok(members.length > 10, `several members (${members.length})`);
  for (const m of members) {
    assert.ok(m.endsWith('\n') && Buffer.byteLength(m) <= 8192, 'whole lines, within the buffer size');
  }
  const sent = (await metrics.senderBytes.get()).values[0]!.value;
  assert.equal(sent, bytes.length, 'sender_bytes_total counts compressed bytes');
  assert.ok(bytes.length < Buffer.byteLength(lines.join('')) / 2);
});

test('a connection cut mid-stream: members are resent whole on the next connection, every line arrives', async () => {
  const { sink } = devoSinkFor(target(), { compression: 'gzip', compression_buffer_in_bytes: 4096 });
  rec.cutAfterBytes = 20_000;
  const first = rec.connections.length;
  await sink.start();
  const lines = Array.from({ length: 5000 }, (_, i) => line('cut', i));
  for (let i = 0; i < lines.length; i += 250) await sink.write(batchOf(lines.slice(i, i + 250)));
  await sink.stop(5000);
  await waitFor('a second connection', () => rec.connections.length >= first + 2, 5000);
  const seen = new Set<string>();
  for (const conn of rec.connections.slice(first)) {
    for (const m of decodeMembers(Buffer.concat(conn)).members)
      for (const l of m.split('\n')) if (l) seen.add(l);
  }
  for (const l of lines) assert.ok(seen.has(l.slice(0, -1)), `missing ${l.slice(0, 60)}`);
});
