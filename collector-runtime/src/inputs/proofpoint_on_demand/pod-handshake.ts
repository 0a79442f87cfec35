// What a refused PoD handshake means (the PoD Log API's error table): 400/401/404/405 cannot heal by
// retrying, so the service stops and says what to fix; 409 means the token's session for this type is
// still held (another collector, or the server has not yet released a session that dropped), so wait
// at least 2 s and back off; anything else (5xx, 429, proxies) is retried with backoff.
import type { HandshakeFailure, HandshakeVerdict } from '../../core/streaming/stream-source.ts';
import { truncate } from '../../core/errors.ts';

export const CONFLICT_MIN_DELAY_MS = 2_000;
const SERVER_ERROR_MIN_DELAY_MS = 1_000;

export function classifyHandshake(
  f: HandshakeFailure,
  where: { url: string; clusterId: string; path: string },
): HandshakeVerdict {
  const said = `HTTP ${f.status}${f.statusText ? ` ${f.statusText}` : ''}${f.body.trim() ? `: ${truncate(f.body.trim(), 300)}` : ''}`;
  switch (f.status) {
    case 400:
      return {
        fatal: `Proofpoint refused the stream request as invalid (${said}) for ${where.url}: check ${where.path}.credentials.cluster_id ("${where.clusterId}") and that start_time is within the last 30 days`,
      };
    case 401:
      return {
        fatal: `Proofpoint refused the credentials (${said}): check that ${where.path}.credentials.api_key is the PoD Log API token issued for cluster_id "${where.clusterId}", that it has not expired, and that the cluster has the remote syslog licence`,
      };
    case 404:
    case 405:
      return {
        fatal: `No PoD Log API stream at ${where.url} (${said}): check override_url_base (default wss://logstream.proofpoint.com/v1/stream)`,
      };
    case 409:
      return { retry: 'session_conflict', minDelayMs: CONFLICT_MIN_DELAY_MS };
    default:
      return { retry: `http_${f.status}`, minDelayMs: SERVER_ERROR_MIN_DELAY_MS };
  }
}
