// One entry of an input's `services:`: the settings every service shares (minus what the service
// omits), plus the service's own settings.
import type { ServiceConfig, ServiceDefinition } from '../inputs/definition.ts';
import { anyScalar, bool, devoTag, int, pastUtcTime, type Rule, type Shape } from './schema.ts';
import { withSecretRefs, type SecretSources } from './secret-refs.ts';

/** The settings every service takes unless its definition omits them. */
export function commonServiceSettings(def: ServiceDefinition): Shape {
  return {
    request_period_in_seconds: {
      rule: int({ min: def.minRequestPeriodSeconds }),
      default: def.defaultRequestPeriodSeconds,
      doc: 'seconds between pulls',
    },
    start_time_in_utc: {
      rule: pastUtcTime(),
      doc: 'where the first pull starts; changing it resets the state',
    },
    reset_persistence_auth: { rule: anyScalar(), doc: 'any value; changing it resets the state' },
    override_tag: { rule: devoTag(), doc: `replaces the default tag(s): ${def.defaultTags.join(', ')}` },
    enabled: {
      rule: bool(),
      default: true,
      doc: 'our addition: keep a service in the file but do not run it',
    },
  };
}

export function serviceShape(def: ServiceDefinition): Shape {
  const shape: Shape = { ...commonServiceSettings(def) };
  for (const key of def.omit ?? []) delete shape[key];
  return { ...shape, ...def.settings };
}

export function serviceRule(
  name: string,
  def: ServiceDefinition,
  sources: SecretSources,
): Rule<ServiceConfig> {
  const omitted = new Set(def.omit ?? []);
  const hint = (key: string) => (omitted.has(key) ? `${name} does not take ${key}` : undefined);
  return withSecretRefs(serviceShape(def), sources, { hint }) as Rule<ServiceConfig>;
}
