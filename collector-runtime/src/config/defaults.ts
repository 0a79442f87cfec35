// What a setting is when config.yaml leaves it out, derived from the same shapes the validator uses,
// so docs, the operator and tests never keep a second copy of a default.
import type { InputDefinition, ServiceDefinition } from '../inputs/definition.ts';
import type { GlobalsConfig } from './runtime-config.ts';
import { GLOBALS_SHAPE } from './globals-schema.ts';
import { COMMON_INPUT_SETTINGS } from './input-schema.ts';
import type { Shape } from './schema.ts';
import { serviceShape } from './service-schema.ts';

export function defaultsOf(shape: Shape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape)) if (field.default !== undefined) out[key] = field.default;
  return out;
}

/** Input-level settings of `def` that have a default (enabled, and the source's own). */
export function defaultInputSettings(def: InputDefinition): Record<string, unknown> {
  return defaultsOf({ ...COMMON_INPUT_SETTINGS, ...def.settings });
}

/** A service's settings when its entry in config.yaml is empty. */
export function defaultServiceConfig(def: ServiceDefinition): Record<string, unknown> {
  return defaultsOf(serviceShape(def));
}

/** globals with only the required id and name set. */
export function defaultGlobalsConfig(id: string, name: string): GlobalsConfig {
  return { ...defaultsOf(GLOBALS_SHAPE), id, name } as GlobalsConfig;
}
