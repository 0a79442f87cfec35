// A private rsyslogd that plays Devo's TLS ingestion endpoint in tests: mutual TLS on 127.0.0.1, every received
// message appended RAW to one file. Start one per test file (`before`) and stop it in `after`.
//
// How it is configured (see `rsyslogConfig` below):
// - `rsyslogd -n -f <dir>/rsyslog.conf -i <dir>/rsyslogd.pid`, own `global(workDirectory=<dir>/work)`, no imuxsock
//   or imklog: it never touches the system's syslog sockets, journal or /etc/rsyslog.conf.
// - imtcp on 127.0.0.1:<port> with the `ossl` (OpenSSL) stream driver, `StreamDriver.Mode=1` (TLS only) and
//   `StreamDriver.AuthMode="x509/certvalid"`: the client MUST present a certificate chaining to `pki.caCert`.
//   OpenSSL checks it inside the handshake and answers a bad one with a TLS alert (e.g. 48 unknown_ca), like
//   a real endpoint would; the gtls driver instead completes the handshake and then silently drops the session.
// - `maxMessageSize="256k"`, `parser.escapeControlCharactersOnReceive="off"`.
// - Messages from the test input go to `<dir>/received.log` with the template `%rawmsg%\n`; rsyslog's own
//   messages (TLS errors and the like) go to `<dir>/rsyslogd-internal.log`, its stderr to `<dir>/rsyslogd.stderr`.
//
// What `received.log` holds: for every frame the client sent, either an LF-terminated line `L\n` or an
// RFC 6587 octet-counted frame `LEN SP L\n`, the file holds exactly the bytes `L\n`: PRI, timestamp, hostname,
// tag and message byte for byte, with no escaping of control or 8-bit characters, in arrival order per
// connection. Limits: L must not contain LF (an LF ends the frame, so a raw LF splits it into two lines) and
// must be at most 256 KiB (rsyslog truncates longer messages); a NUL byte is written as the 4 characters
// `#000` (rsyslog escapes NUL even with control-character escaping off); CR, TAB and DEL are kept; empty lines
// are not recorded. Because the
// template is LF-separated, `lines()` maps one-to-one onto the lines sent.
//
// Two modes:
// - 'durable' (default): Direct main queue and action queue, the file is written at the end of every batch the
//   input reads. A SIGKILL then loses only what sits in kernel socket buffers, which crash tests rely on.
// - 'throughput': a large in-memory main queue, so reading/TLS and file writing run on separate threads, and
//   a 1 MiB write buffer flushed at the end of every dequeued batch (benchmarks only; a SIGKILL loses whatever
//   is queued). Not asyncWriting: its flushInterval (≥ 1 s) would delay the last lines by up to a second.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestPki } from './tls-certs.ts';

export const RSYSLOGD = '/usr/sbin/rsyslogd';
const INPUT_NAME = 'devo_test_in';

export interface RsyslogReceiverOptions {
  pki: TestPki;
  /** A private folder (created if missing) for the config, work directory, pid file and output files. */
  dir: string;
  /** Fixed port; by default a free one is picked (and retried if another process grabs it first). */
  port?: number;
  mode?: 'durable' | 'throughput';
  /** How long to wait for the port to accept connections; default 15 s (generous for a loaded 2-core box). */
  readyTimeoutMs?: number;
}

export interface RsyslogReceiver {
  readonly port: number;
  /** The file holding every received message as `rawmsg + LF`. */
  readonly outputFile: string;
  /** rsyslog's own messages (handshake failures, config errors): read it when a test fails. */
  readonly internalLogFile: string;
  /** The running rsyslogd's pid, or undefined while it is down. */
  readonly pid: number | undefined;
  /** Every line received so far (without the LF), in file order. */
  lines(): Promise<string[]>;
  /** How many lines the file holds; reads only what was appended since the last call. */
  countLines(): Promise<number>;
  /** Resolves with all lines once at least `n` are in the file; rejects after `timeoutMs` saying how many came. */
  waitForLines(n: number, timeoutMs: number): Promise<string[]>;
  /** Like waitForLines but resolves with the count only (no file read into memory: for big runs). */
  waitForCount(n: number, timeoutMs: number): Promise<number>;
  /** Resolves once the file holds at least `bytes` bytes (a stat per poll: cheap enough for benchmarks). */
  waitForSize(bytes: number, timeoutMs: number): Promise<number>;
  /** The output file's size in bytes. */
  fileSize(): Promise<number>;
  /**
   * SIGSTOP: the receiver hangs. The kernel still accepts connections and fills the socket buffers, but
   * nothing is read; `resume()` (SIGCONT) continues, `kill('SIGKILL')` crashes it with the buffers unread.
   */
  hang(): void;
  resume(): void;
  /** Sends `signal` (default SIGTERM) and waits until the process has exited. SIGKILL simulates a crash. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the process if running, then starts it again on the same port, appending to the same file. */
  restart(): Promise<void>;
  /** SIGTERM, wait for exit (SIGKILL after 5 s). Safe to call twice. */
  stop(): Promise<void>;
}

function rsyslogConfig(o: {
  pki: TestPki;
  workDir: string;
  port: number;
  outputFile: string;
  internalLogFile: string;
  mode: 'durable' | 'throughput';
}): string {
  const durable = o.mode === 'durable';
  return `# Generated by test/support/rsyslog-receiver.ts
global(
  workDirectory="${o.workDir}"
  maxMessageSize="256k"
  parser.escapeControlCharactersOnReceive="off"
  defaultNetstreamDriver="ossl"
  defaultNetstreamDriverCAFile="${o.pki.caCert}"
  defaultNetstreamDriverCertFile="${o.pki.serverCert}"
  defaultNetstreamDriverKeyFile="${o.pki.serverKey}"
)
${
  durable
    ? 'main_queue(queue.type="Direct")'
    : 'main_queue(queue.type="LinkedList" queue.size="200000" queue.dequeueBatchSize="2048" queue.workerThreads="1")'
}
module(load="imtcp" maxSessions="64" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="x509/certvalid")
template(name="rawLine" type="string" string="%rawmsg%\\n")
input(type="imtcp" address="127.0.0.1" port="${o.port}" name="${INPUT_NAME}")
if $inputname == "${INPUT_NAME}" then {
  action(type="omfile" file="${o.outputFile}" template="rawLine" ${
    durable ? 'flushOnTXEnd="on"' : 'ioBufferSize="1m" flushOnTXEnd="on"'
  })
  stop
}
action(type="omfile" file="${o.internalLogFile}")
`;
}

/** A port that was free a moment ago (rsyslog must bind it itself, so a race is possible: callers retry). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startRsyslogReceiver(opts: RsyslogReceiverOptions): Promise<RsyslogReceiver> {
  const dir = opts.dir;
  const workDir = join(dir, 'work');
  await mkdir(workDir, { recursive: true });
  const outputFile = join(dir, 'received.log');
  const internalLogFile = join(dir, 'rsyslogd-internal.log');
  const stderrFile = join(dir, 'rsyslogd.stderr');
  const confFile = join(dir, 'rsyslog.conf');
  const pidFile = join(dir, 'rsyslogd.pid');
  const mode = opts.mode ?? 'durable';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;
  await writeFile(outputFile, '', { flag: 'a' });

  let port = opts.port ?? 0;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let countedBytes = 0;
  let countedLines = 0;

  // A crashed test must not leave rsyslogd behind.
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);

  async function diagnostics(): Promise<string> {
    const read = (f: string) => readFile(f, 'utf8').catch(() => '');
    return `stderr:\n${(await read(stderrFile)).slice(-2000)}\ninternal log:\n${(await read(internalLogFile)).slice(-2000)}`;
  }

  async function spawnOnce(): Promise<void> {
    await writeFile(
      confFile,
      rsyslogConfig({ pki: opts.pki, workDir, port, outputFile, internalLogFile, mode }),
    );
    const errFd = openSync(stderrFile, 'a');
    const proc = spawn(RSYSLOGD, ['-n', '-f', confFile, '-i', pidFile], { stdio: ['ignore', errFd, errFd] });
    closeSync(errFd);
    child = proc;
    let hasExited = false;
    exited = new Promise((resolve) => {
      proc.once('exit', () => {
        hasExited = true;
        if (child === proc) child = undefined;
        resolve();
      });
    });
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (hasExited) throw new Error(`rsyslogd exited during start-up\n${await diagnostics()}`);
      if (await tryConnect(port)) return;
      await sleep(25);
    }
    proc.kill('SIGKILL');
    await exited;
    throw new Error(
      `rsyslogd did not listen on 127.0.0.1:${port} within ${readyTimeoutMs} ms\n${await diagnostics()}`,
    );
  }

  async function start(): Promise<void> {
    if (opts.port !== undefined) return spawnOnce();
    // Picked ports can be taken between our probe and rsyslog's bind: try a few.
    for (let attempt = 1; ; attempt++) {
      if (port === 0 || attempt > 1) port = await freePort();
      try {
        return await spawnOnce();
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  }

  async function kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = child;
    if (!proc) return;
    proc.kill(signal);
    if (signal !== 'SIGKILL') proc.kill('SIGCONT'); // a hung receiver must run to handle the signal
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  async function countLines(): Promise<number> {
    const fh = await open(outputFile, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, countedBytes);
        if (bytesRead === 0) break;
        for (let i = buf.indexOf(10, 0); i !== -1 && i < bytesRead; i = buf.indexOf(10, i + 1))
          countedLines++;
        countedBytes += bytesRead;
      }
    } finally {
      await fh.close();
    }
    return countedLines;
  }

  async function lines(): Promise<string[]> {
    const text = await readFile(outputFile, 'utf8');
    const all = text.split('\n');
    all.pop(); // the text after the last LF: empty, or a line still being written
    return all;
  }

  async function waitForCount(n: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = await countLines();
      if (count >= n) return count;
      if (Date.now() >= deadline)
        throw new Error(
          `rsyslog received ${count} of ${n} lines within ${timeoutMs} ms\n${await diagnostics()}`,
        );
      await sleep(10);
    }
  }

  async function fileSize(): Promise<number> {
    return (await stat(outputFile)).size;
  }

  async function waitForSize(bytes: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const size = await fileSize();
      if (size >= bytes) return size;
      if (Date.now() >= deadline)
        throw new Error(
          `rsyslog wrote ${size} of ${bytes} bytes within ${timeoutMs} ms\n${await diagnostics()}`,
        );
      await sleep(5);
    }
  }

  await start();

  return {
    get port() {
      return port;
    },
    outputFile,
    internalLogFile,
    get pid() {
      return child?.pid;
    },
    lines,
    countLines,
    waitForCount,
    waitForSize,
    fileSize,
    async waitForLines(n, timeoutMs) {
      await waitForCount(n, timeoutMs);
      return lines();
    },
    kill,
    hang() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async restart() {
      await kill('SIGTERM');
      await spawnOnce();
    },
    async stop() {
      await kill('SIGTERM');
      process.removeListener('exit', onExit);
    },
  };
}
