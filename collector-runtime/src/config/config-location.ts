// Where config.yaml is and where the files it names live. the product documents' Docker layout is
// /devo-collector/{certs,config,state} with CONFIG_FILE=config.yaml naming a file in config/.
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { RuntimeConfig } from './runtime-config.ts';

export const DEFAULT_CONFIG_FILE = 'config.yaml';

export interface ConfigLocation {
  /** Absolute path of the config file. */
  file: string;
  paths: RuntimeConfig['paths'];
}

/**
 * `configPath` (--config) wins, relative to `cwd`; else CONFIG_FILE (default config.yaml) under
 * `<home>/config/`, where home is DEVO_COLLECTOR_HOME, else `baseDir`, else `cwd`.
 * The base directory is DEVO_COLLECTOR_HOME, else `baseDir`, else the parent of the config file's
 * directory when that directory is named `config` (the Docker layout), else the config file's directory.
 */
export function locateConfig(opts: {
  configPath?: string;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  baseDir?: string;
}): ConfigLocation {
  const home = opts.env.DEVO_COLLECTOR_HOME ? resolve(opts.cwd, opts.env.DEVO_COLLECTOR_HOME) : undefined;
  const given = opts.baseDir !== undefined ? resolve(opts.cwd, opts.baseDir) : undefined;
  let file: string;
  if (opts.configPath) file = resolve(opts.cwd, opts.configPath);
  else {
    const name = opts.env.CONFIG_FILE || DEFAULT_CONFIG_FILE;
    file = isAbsolute(name) ? name : resolve(home ?? given ?? opts.cwd, 'config', name);
  }
  const dir = dirname(file);
  const base = home ?? given ?? (basename(dir) === 'config' ? dirname(dir) : dir);
  return { file, paths: { base, certs: join(base, 'certs'), config: dir, state: join(base, 'state') } };
}
