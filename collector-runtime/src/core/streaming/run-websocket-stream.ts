// The streaming loop: connect where the source says, hand every frame to the source, deliver what it
// yields through ctx.commit (CommitQueue), stop reading while the outputs push back, and reconnect with
// capped, jittered backoff. Handshake refusals go to the source, which says fatal (the service stops
// with its message) or retry (with the source's minimum delay, e.g. a session still held by the server).
import type { PullerContext, Stream, StreamHealth } from '../../inputs/definition.ts';
import { backoffDelay } from '../backoff.ts';
import { CollectorError, errorMessage } from '../errors.ts';
import { CommitQueue, DEFAULT_COMMIT_LIMITS, type CommitLimits } from './commit-queue.ts';
import type { HandshakeFailure, StreamSettings, StreamSource } from './stream-source.ts';
import { WebSocketSession, type SessionEnd } from './websocket-session.ts';

/** A connection that lived this long, or delivered anything, was healthy: the backoff starts over. */
const HEALTHY_MS = 30_000;
const FIRST_RETRY_MS = 1_000;
/** While a quiet connection stays open, the checkpoint still records that it was connected. */
const HEARTBEAT_MS = 5 * 60_000;

export function webSocketStream<S>(
  ctx: PullerContext<S, unknown, unknown>,
  source: StreamSource<S>,
  settings: StreamSettings,
  limits: CommitLimits = DEFAULT_COMMIT_LIMITS,
): Stream {
  return { run: (signal, health) => runStream(ctx, source, settings, limits, signal, health) };
}

async function runStream<S>(
  ctx: PullerContext<S, unknown, unknown>,
  source: StreamSource<S>,
  settings: StreamSettings,
  limits: CommitLimits,
  signal: AbortSignal,
  health: StreamHealth,
): Promise<void> {
  const { log, clock, telemetry } = ctx;
  let session: WebSocketSession | undefined;
  const queue = new CommitQueue<S>({
    commit: (events, state) => ctx.commit(events, state),
    checkpoint: () => source.checkpoint(),
    clock,
    limits,
    onRoom: () => session?.resume(),
    signal,
    onError: (err) =>
      log.error(
        { err: errorMessage(err) },
        'Failed to deliver a batch or to save its checkpoint; retrying it before anything newer',
      ),
    // For a stream, one delivered batch is what a pull is for a poller (pull metrics, last success).
    onDelivered: (_events, seconds) => {
      telemetry.pullDone('success', seconds, clock.now());
      health.delivered();
    },
  });
  let failures = 0;
  let refusals = 0;
  while (!signal.aborted) {
    const request = source.nextRequest();
    const s = new WebSocketSession(request, settings, clock);
    session = s;
    const beat = new AbortController();
    const t0 = performance.now();
    const end = await s.run(signal, {
      opened: () => {
        telemetry.apiRequest(101, (performance.now() - t0) / 1000);
        source.opened(request);
        health.connected();
        log.info({ url: request.url, purpose: request.purpose }, 'Connected to the stream');
        heartbeat(beat.signal, () => queue.add([], 0));
      },
      frame: (data) => {
        queue.add(source.decode(data), data.length);
        if (queue.full) s.pause();
      },
    });
    beat.abort();
    session = undefined;
    if (end.kind === 'handshake') telemetry.apiRequest(end.failure.status, (performance.now() - t0) / 1000);
    if (end.kind === 'unreachable') telemetry.apiRequest('error', (performance.now() - t0) / 1000);
    const completed =
      end.kind === 'closed' &&
      request.finite &&
      end.cause === 'server' &&
      (end.code === 1000 || end.code === 1001);
    source.ended(request, { opened: end.kind === 'closed', completed });
    // Whatever arrived goes out now, with the checkpoint of how the connection ended.
    queue.add([], 0);
    await queue.flush();
    if (signal.aborted) break;

    let reason: string;
    let delay: number;
    const cap = settings.maxReconnectDelayMs;
    if (end.kind === 'handshake') {
      const verdict = source.handshakeFailed(end.failure, request);
      const line = handshakeLine(end.failure);
      if ('fatal' in verdict) {
        log.error({ status: end.failure.status, url: request.url }, `${line} - goodbye`);
        health.disconnected(verdict.fatal);
        throw new CollectorError('CR_ERR_INPUT_SETUP', verdict.fatal);
      }
      refusals++;
      const floor = verdict.minDelayMs;
      delay = Math.max(floor, backoffDelay(refusals - 1, { initialMs: floor, maxMs: Math.max(cap, floor) }));
      reason = verdict.retry;
      log.error({ status: end.failure.status, retryInSeconds: seconds(delay) }, line);
      health.disconnected(`${line}; retrying`);
    } else {
      refusals = 0;
      ({ reason, delay, failures } = afterEnd(end, completed, failures, cap, clock.now()));
      const fields = describe(end, reason, delay, request.purpose);
      if (reason === 'window_done' || reason === 'server_close') log.info(fields, 'The stream closed');
      else {
        log.warn(fields, 'Lost the stream connection');
        health.disconnected(fields.err ?? `connection ended: ${reason}`);
      }
    }
    telemetry.websocketReconnect(reason);
    try {
      await clock.sleep(delay, signal);
    } catch {
      break;
    }
  }
  await queue.flush();
}

function afterEnd(
  end: Exclude<SessionEnd, { kind: 'handshake' }>,
  completed: boolean,
  failures: number,
  cap: number,
  now: number,
): { reason: string; delay: number; failures: number } {
  if (end.kind === 'unreachable') {
    failures++;
    return {
      reason: 'unreachable',
      delay: backoffDelay(failures - 1, { initialMs: FIRST_RETRY_MS, maxMs: cap }),
      failures,
    };
  }
  if (completed) return { reason: 'window_done', delay: 0, failures: 0 };
  if (end.frames > 0 || now - end.openedAt >= HEALTHY_MS) failures = 0;
  failures++;
  const reason =
    end.cause === 'pong_timeout'
      ? 'pong_timeout'
      : end.code === 1000 || end.code === 1001
        ? 'server_close'
        : 'abnormal_close';
  return { reason, delay: backoffDelay(failures - 1, { initialMs: FIRST_RETRY_MS, maxMs: cap }), failures };
}

function describe(
  end: Exclude<SessionEnd, { kind: 'handshake' }>,
  reason: string,
  delay: number,
  purpose: string,
): { reason: string; purpose: string; retryInSeconds: number; err?: string; code?: number; frames?: number } {
  const base = { reason, purpose, retryInSeconds: seconds(delay) };
  if (end.kind === 'unreachable') return { ...base, err: end.error };
  return {
    ...base,
    code: end.code,
    frames: end.frames,
    ...(end.error !== undefined ? { err: end.error } : end.reason ? { err: end.reason } : {}),
  };
}

/** The refused handshake as the product's collector logged it: status -+-+- headers -+-+- body. */
export function handshakeLine(f: HandshakeFailure): string {
  const headers: Record<string, string> = {};
  for (const k of ['date', 'content-type', 'content-length']) if (f.headers[k]) headers[k] = f.headers[k]!;
  return `Handshake status ${f.status} ${f.statusText} -+-+- ${JSON.stringify(headers)} -+-+- ${JSON.stringify(f.body)}`;
}

/** Real time: a quiet connection is still a connection, whatever clock the checkpoints use. */
function heartbeat(signal: AbortSignal, beat: () => void): void {
  const timer = setInterval(beat, HEARTBEAT_MS);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}
