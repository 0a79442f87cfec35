// Chooses the state backend named by globals.persistence.
import { isAbsolute, resolve } from 'node:path';
import type { RuntimeConfig } from '../config/runtime-config.ts';
import type { Logger } from '../logging/logger.ts';
import type { StateStore } from './store.ts';
import { fileStore } from './file-store.ts';
import { memoryStore } from './memory-store.ts';
import { configMapStore } from './configmap-store.ts';

export async function createStateStore(
  config: RuntimeConfig,
  deps: { log: Logger; env: NodeJS.ProcessEnv },
): Promise<StateStore> {
  const p = config.globals.persistence;
  switch (p.type) {
    case 'memory':
      deps.log.warn('Using in-memory state: checkpoints are lost when the process stops');
      return memoryStore();
    case 'configmap':
      return configMapStore({
        name: p.config.name,
        namespace: p.config.namespace,
        log: deps.log,
        env: deps.env,
      });
    case 'filesystem': {
      const dir = p.config.directory_name;
      return fileStore(isAbsolute(dir) ? dir : resolve(config.paths.base, dir));
    }
  }
}
