// What the validator may learn about the world. load.ts fills it from the real file system and
// environment; tests fill it with plain objects. The validator itself never touches fs or process.env.
import type { InputDefinition } from '../inputs/definition.ts';
import type { RuntimeConfig } from './runtime-config.ts';

export interface ConfigFiles {
  /** Reads a small text file (a secret); returns its text, or why it cannot be read. */
  readText(path: string): { text: string } | { error: string };
  /** Why a file cannot be used (missing, a directory, unreadable), or undefined when it can. */
  checkReadable(path: string): string | undefined;
  /** Why a directory cannot be used (e.g. a file is in the way); undefined when it is fine or not there yet. */
  checkDirectory(path: string): string | undefined;
}

export interface ValidateContext {
  /** Current time (ms) for "must be in the past" checks. */
  now: number;
  /** Variables that `<secret>_env` settings may name. */
  env: Readonly<Record<string, string | undefined>>;
  /** The resolved directory layout; certificate and secret file names are relative to it. */
  paths: RuntimeConfig['paths'];
  files: ConfigFiles;
  /** The known sources (inputs/registry.ts unless a test passes its own). */
  registry: ReadonlyMap<string, InputDefinition>;
  /** Input keys of older collector versions and how to migrate them. */
  legacyInputs?: Readonly<Record<string, string>>;
}
