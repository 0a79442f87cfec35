// core/v1 Event and events.k8s.io/v1 Event are two views of one storage; the field renames follow
// pkg/apis/events/v1/conversion.go. Objects are stored in the core/v1 shape.

import type { JsonObject } from './json-value.ts';

const RENAMES: [core: string, events: string][] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];

function rename(obj: JsonObject, pairs: [string, string][]): JsonObject {
  const out: JsonObject = {};
  const map = new Map(pairs);
  for (const [key, value] of Object.entries(obj)) out[map.get(key) ?? key] = value;
  return out;
}

export function coreEventToEventsV1(obj: JsonObject): JsonObject {
  const out = rename(obj, RENAMES);
  out.apiVersion = 'events.k8s.io/v1';
  out.kind = 'Event';
  return out;
}

export function eventsV1ToCoreEvent(obj: JsonObject): JsonObject {
  const out = rename(
    obj,
    RENAMES.map(([core, events]) => [events, core]),
  );
  out.apiVersion = 'v1';
  out.kind = 'Event';
  return out;
}
