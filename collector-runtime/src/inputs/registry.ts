// The one ordered list of sources. Adding a source: one folder under inputs/ and one line here.
import type { InputDefinition } from './definition.ts';
import {
  LEGACY_GRAPH_INPUT,
  microsoftGraphAudit,
  microsoftGraphSecurity,
} from './microsoft_graph/definition.ts';
import { office365 } from './office365/definition.ts';
import { office365ExchangeMessage } from './office365_exchange_message/definition.ts';
import { proofpointOnDemand } from './proofpoint_on_demand/definition.ts';

const definitions: readonly InputDefinition[] = [
  microsoftGraphAudit,
  microsoftGraphSecurity,
  office365,
  office365ExchangeMessage,
  proofpointOnDemand,
];

function buildRegistry(list: readonly InputDefinition[]): ReadonlyMap<string, InputDefinition> {
  const map = new Map<string, InputDefinition>();
  for (const d of list) {
    if (map.has(d.name)) throw new Error(`input "${d.name}" is registered twice`);
    map.set(d.name, d);
  }
  return map;
}

export const inputRegistry = buildRegistry(definitions);

/** Input keys of older collector versions, with how to migrate (reported by the config validator). */
export const legacyInputs: Readonly<Record<string, string>> = {
  microsoft_graph: LEGACY_GRAPH_INPUT,
};
