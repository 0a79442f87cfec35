// The set-up the end-to-end test files share: a temp dir holding a PKI and a real rsyslog mTLS receiver,
// one per test file, started before its first test and removed after its last.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startRsyslogReceiver, type RsyslogReceiver } from './rsyslog-receiver.ts';
import { generateTestPki, type TestPki } from './tls-certs.ts';

export interface ReceiverFixture {
  /** The temp dir; tests make their runtime homes below it. */
  dir: string;
  pki: TestPki;
  receiver: RsyslogReceiver;
  close(): Promise<void>;
}

export async function startReceiverFixture(prefix: string): Promise<ReceiverFixture> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  try {
    const pki = await generateTestPki(join(dir, 'pki'));
    const receiver = await startRsyslogReceiver({ pki, dir: join(dir, 'rsyslog') });
    return {
      dir,
      pki,
      receiver,
      async close() {
        await receiver.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

interface Closable {
  close(): Promise<void>;
}

/**
 * A fixture the whole test file shares: `start` runs before the file's first test and the fixture closes
 * after its last. The returned object is filled in by then (its own properties are copied, so `start`
 * returns a plain object), and tests use it as a started fixture.
 */
export function fixtureForFile<F extends Closable>(start: () => Promise<F>): F {
  const fixture = {} as F;
  before(async () => {
    Object.assign(fixture, await start());
  });
  after(() => (fixture.close as F['close'] | undefined)?.());
  return fixture;
}

/**
 * A PKI and an rsyslog receiver in a temp dir named after `prefix` for the whole test file, and the
 * simulator `startSimulator` makes (as `sim`) when one serves every test.
 */
export function receiverFixtureForFile(prefix: string): ReceiverFixture;
export function receiverFixtureForFile<S extends Closable>(
  prefix: string,
  startSimulator: () => Promise<S>,
): ReceiverFixture & { sim: S };
export function receiverFixtureForFile<S extends Closable>(
  prefix: string,
  startSimulator?: () => Promise<S>,
): ReceiverFixture & { sim?: S } {
  return fixtureForFile(async () => {
    const fx = await startReceiverFixture(prefix);
    if (startSimulator === undefined) return fx;
    const sim = await startSimulator().catch(async (err: unknown) => {
      await fx.close();
      throw err;
    });
    return {
      ...fx,
      sim,
      async close() {
        await sim.close();
        await fx.close();
      },
    };
  });
}
