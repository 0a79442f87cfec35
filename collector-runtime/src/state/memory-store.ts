import type { StateStore } from './store.ts';

/** For tests and ephemeral runs: state lives as long as the process. */
export function memoryStore(
  initial: Record<string, string> = {},
): StateStore & { snapshot(): Record<string, string> } {
  const data = new Map(Object.entries(initial));
  return {
    kind: 'memory',
    async get(key) {
      return data.get(key);
    },
    async set(key, value) {
      data.set(key, value);
    },
    async delete(key) {
      data.delete(key);
    },
    snapshot: () => Object.fromEntries(data),
  };
}
