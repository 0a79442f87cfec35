// A stable identity for a record's content: the same event re-served later hashes the same, whatever the
// key order, and fields that change on every delivery (volatile metadata) are left out.
import { createHash, hash } from 'node:crypto';

export function canonicalJson(value: unknown, omit: ReadonlySet<string> = new Set()): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, omit)).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => !omit.has(k))
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], omit)}`).join(',')}}`;
}

/** 128-bit content hash, base64url: short enough to keep hundreds of thousands in state. */
export function eventKey(record: unknown, volatile: ReadonlySet<string> = new Set()): string {
  return createHash('sha256').update(canonicalJson(record, volatile)).digest('base64url').slice(0, 22);
}

/**
 * 128-bit content hash of a record's serialised text, for the Bloom window: the first 16 bytes of its
 * SHA-256 as a latin1 string. Hashing the text the output will send means an event re-served byte for
 * byte (how Management Activity repeats records) hashes the same, at one hash per record.
 */
export function contentHash(text: string): string {
  return hash('sha256', text, 'binary').slice(0, 16);
}
