// Checkpoints on a filesystem (the Docker state/ volume or a PVC): write a temp file, fsync it, rename it
// over the old one, fsync the directory. A crash leaves either the old or the new document, never half.
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CollectorError } from '../core/errors.ts';
import type { StateStore } from './store.ts';

export function fileStore(directory: string): StateStore {
  const file = (key: string) => join(directory, `${key}.json`);
  let ready: Promise<unknown> | undefined;
  const ensureDir = () => (ready ??= mkdir(directory, { recursive: true }));

  return {
    kind: 'filesystem',
    async get(key) {
      try {
        return await readFile(file(key), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new CollectorError(
          'CR_ERR_STATE_IO',
          `cannot read state file ${file(key)}: ${(err as Error).message}`,
          {
            cause: err,
            retryable: true,
          },
        );
      }
    },
    async set(key, value) {
      const target = file(key);
      const tmp = `${target}.tmp-${process.pid}`;
      try {
        await ensureDir();
        const fh = await open(tmp, 'w', 0o600);
        try {
          await fh.writeFile(value, 'utf8');
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, target);
        const dir = await open(directory, 'r');
        try {
          await dir.sync();
        } finally {
          await dir.close();
        }
      } catch (err) {
        ready = undefined;
        await rm(tmp, { force: true }).catch(() => undefined);
        throw new CollectorError(
          'CR_ERR_STATE_IO',
          `cannot write state file ${target}: ${(err as Error).message}${writeHint(err)}; the previous checkpoint is kept and the write is retried`,
          {
            cause: err,
            retryable: true,
          },
        );
      }
    },
    async delete(key) {
      await rm(file(key), { force: true });
    },
  };
}

/** Moves an unreadable state document aside (never silently reused) and says where it went. */
export async function quarantine(
  store: StateStore,
  key: string,
  raw: string,
  nowMs: number,
): Promise<string> {
  const aside = `${key}.corrupt-${nowMs}`;
  await store.set(aside, raw);
  await store.delete(key);
  return aside;
}

/** What to do about the usual reasons a state write fails. */
function writeHint(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return ': the state volume is full; free space on it or enlarge it (PVC size)';
    case 'EROFS':
      return ': the state volume is mounted read-only; mount it writable';
    case 'EACCES':
    case 'EPERM':
      return ": the runtime's user may not write the state directory; fix its owner or mode (fsGroup)";
    default:
      return '';
  }
}
