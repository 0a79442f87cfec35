// The only module that reads config files and environment variables: it finds config.yaml, parses it,
// and hands the validator real file and environment access. Everything else gets a frozen RuntimeConfig.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { ConfigError, type ConfigProblem } from '../core/errors.ts';
import { inputRegistry, legacyInputs } from '../inputs/registry.ts';
import { locateConfig } from './config-location.ts';
import { parseConfigText, MAX_CONFIG_BYTES } from './parse-yaml.ts';
import type { RuntimeConfig } from './runtime-config.ts';
import { validateConfig } from './validate.ts';
import type { ConfigFiles } from './validate-context.ts';

export interface LoadConfigOptions {
  /** --config PATH; wins over CONFIG_FILE. */
  configPath?: string;
  /** Defaults to process.env: CONFIG_FILE, DEVO_COLLECTOR_HOME and the variables `<secret>_env` names. */
  env?: NodeJS.ProcessEnv;
  /** Epoch ms for "start time must be in the past" checks; defaults to Date.now(). */
  now?: number;
  /** The base directory (certs/, config/, state/); defaults to DEVO_COLLECTOR_HOME or the config file's place. */
  baseDir?: string;
}

export interface LoadedConfig {
  config: RuntimeConfig;
  warnings: ConfigProblem[];
  /** Absolute path of the file that was read. */
  file: string;
}

/** Reads, validates and freezes config.yaml. Throws ConfigError listing every problem found. */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const { file, paths } = locateConfig({
    configPath: opts.configPath,
    env,
    cwd: process.cwd(),
    baseDir: opts.baseDir,
  });
  const fromEnv = opts.configPath
    ? ''
    : env.CONFIG_FILE
      ? ` (from CONFIG_FILE=${env.CONFIG_FILE}; use --config PATH to name another file)`
      : ' (the default; set CONFIG_FILE or use --config PATH)';

  let bytes: Buffer;
  try {
    const st = statSync(file);
    if (st.isDirectory())
      throw new ConfigError([problem(`config file "${file}" is a directory, not a file`)], file);
    if (st.size > MAX_CONFIG_BYTES)
      throw new ConfigError(
        [problem(`config file "${file}" is ${st.size} bytes: at most ${MAX_CONFIG_BYTES} allowed`)],
        file,
      );
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([problem(`config file "${file}" ${fsReason(err)}${fromEnv}`)], file);
  }

  const parsed = parseConfigText(bytes, `config file "${file}"`);
  if (!parsed.ok) throw new ConfigError(parsed.problems, file);
  const { config, problems } = validateConfig(parsed.value, {
    now: opts.now ?? Date.now(),
    env,
    paths,
    files: realFiles,
    registry: inputRegistry,
    legacyInputs,
  });
  const all = [...parsed.warnings, ...problems];
  if (!config) throw new ConfigError(all, file);
  return { config, warnings: all.filter((p) => p.severity === 'warning'), file };
}

function problem(message: string): ConfigProblem {
  return { path: '', message, severity: 'error' };
}

/** Secrets are small; a bigger file is almost certainly the wrong one. */
const MAX_SECRET_BYTES = 64 * 1024;

const realFiles: ConfigFiles = {
  readText(path) {
    try {
      const st = statSync(path);
      if (!st.isFile()) return { error: 'is not a regular file' };
      if (st.size > MAX_SECRET_BYTES) return { error: `is ${st.size} bytes, too large for a secret` };
      return { text: readFileSync(path, 'utf8') };
    } catch (err) {
      return { error: fsReason(err) };
    }
  },
  checkReadable(path) {
    try {
      if (!statSync(path).isFile()) return 'is not a regular file';
      accessSync(path, constants.R_OK);
      return undefined;
    } catch (err) {
      return fsReason(err);
    }
  },
  checkDirectory(path) {
    try {
      return statSync(path).isDirectory() ? undefined : 'exists but is not a directory';
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : fsReason(err);
    }
  },
};

function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'is not readable (permission denied)';
    case 'ENOTDIR':
      return 'does not exist (a parent is not a directory)';
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return `cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}
