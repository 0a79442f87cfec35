// What the collector runtime can pull, read from its input registry so the CRD enums, the operator's
// checks and the runtime never disagree. Nothing here is hand-copied from the runtime.
import type { InputDefinition } from '../../../collector-runtime/src/inputs/definition.ts';
import { inputRegistry } from '../../../collector-runtime/src/inputs/registry.ts';

export function sourceDefinition(source: string): InputDefinition | undefined {
  return inputRegistry.get(source);
}

/** Input keys (the Collector's `source`), in registry order. */
export function sourceNames(): string[] {
  return [...inputRegistry.keys()];
}

/** The services `source` offers, in its definition's order; empty for an unknown source. */
export function servicesOf(source: string): string[] {
  return Object.keys(inputRegistry.get(source)?.services ?? {});
}

/** Every service name any source offers (the Service's `service` enum), each once. */
export function serviceNames(): string[] {
  return [...new Set([...inputRegistry.values()].flatMap((d) => Object.keys(d.services)))];
}

/** The sources that offer `service`. */
export function sourcesOffering(service: string): string[] {
  return [...inputRegistry.values()].filter((d) => service in d.services).map((d) => d.name);
}

/** The smallest request period any service accepts: the CRD's floor; the runtime checks per service. */
export function minRequestPeriodSeconds(): number {
  const all = [...inputRegistry.values()].flatMap((d) =>
    Object.values(d.services).map((s) => s.minRequestPeriodSeconds),
  );
  return Math.min(...all);
}

/** Credential keys the source's definition declares, split by whether the runtime requires them. */
export function credentialKeys(source: string): { required: string[]; optional: string[] } {
  const shape = inputRegistry.get(source)?.credentials ?? {};
  const keys = Object.keys(shape);
  return {
    required: keys.filter((k) => shape[k]!.required),
    optional: keys.filter((k) => !shape[k]!.required),
  };
}
