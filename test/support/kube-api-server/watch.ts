// Watch streams: newline-delimited JSON events over a chunked 200 response, resumable from any
// resourceVersion still inside the store's history window, 410 Expired (as an ERROR event) otherwise.

import type { ServerResponse } from 'node:http';
import { expired } from './api-error.ts';
import type { JsonObject } from './json-value.ts';
import type { ObjectApi } from './object-api.ts';
import type { ResourceType } from './resource-types.ts';
import type { Matcher } from './selectors.ts';
import type { StoreEvent } from './store.ts';

export interface WatchParams {
  type: ResourceType;
  namespace: string | undefined;
  labels: Matcher;
  fields: Matcher;
  resourceVersion: string | undefined;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number | undefined;
}

interface ActiveWatch {
  res: ServerResponse;
  close(abrupt: boolean): void;
}

export class WatchHub {
  readonly #api: ObjectApi;
  readonly #bookmarkIntervalMs: number;
  readonly #active = new Set<ActiveWatch>();
  /** Serialised lines of the event being fanned out, by view and event type: each is built once. */
  #linesOf: StoreEvent | undefined;
  readonly #lines = new Map<string, string>();

  constructor(api: ObjectApi, bookmarkIntervalMs: number) {
    this.#api = api;
    this.#bookmarkIntervalMs = bookmarkIntervalMs;
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /** Ends every open watch: cleanly (like an apiserver timeout) or by destroying the socket. */
  breakAll(abrupt: boolean): void {
    for (const watch of [...this.#active]) watch.close(abrupt);
  }

  serve(res: ServerResponse, params: WatchParams): void {
    const { type } = params;
    const store = this.#api.store;
    const inScope = (obj: JsonObject): boolean => {
      const ns = (obj.metadata as JsonObject).namespace;
      return params.namespace === undefined || ns === params.namespace;
    };
    const matches = (obj: JsonObject | undefined): boolean => {
      if (!obj || !inScope(obj)) return false;
      const view = this.#api.sharedView(type, obj);
      return params.labels(view) && params.fields(view);
    };

    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const send = (eventType: string, object: JsonObject): void => {
      res.write(`${JSON.stringify({ type: eventType, object })}\n`);
    };
    const sendEvent = (event: StoreEvent): void => {
      if (event.storageKey !== type.storageKey) return;
      const now = matches(event.object);
      const before = matches(event.previous);
      let eventType: string | undefined;
      // A selector-filtered watch sees objects enter (ADDED) and leave (DELETED) its selection.
      if (event.type === 'ADDED') eventType = now ? 'ADDED' : undefined;
      else if (event.type === 'DELETED') eventType = before || now ? 'DELETED' : undefined;
      else if (now && before) eventType = 'MODIFIED';
      else if (now) eventType = 'ADDED';
      else if (before) eventType = 'DELETED';
      if (eventType) res.write(this.#line(event, type, eventType));
    };
    const bookmark = (annotations?: JsonObject): void => {
      const metadata: JsonObject = { resourceVersion: String(store.revision) };
      if (annotations) metadata.annotations = annotations;
      send('BOOKMARK', { kind: type.kind, apiVersion: type.apiVersion, metadata });
    };

    const rv = params.resourceVersion;
    if (rv === undefined || rv === '' || rv === '0' || params.sendInitialEvents) {
      // "Get state and start at most recent": synthetic ADDED for everything that matches now.
      for (const obj of store.peekList(type.storageKey, type.namespaced ? params.namespace : undefined)) {
        if (matches(obj)) send('ADDED', this.#api.sharedView(type, obj));
      }
      if (params.sendInitialEvents && params.allowWatchBookmarks)
        bookmark({ 'k8s.io/initial-events-end': 'true' });
    } else {
      const since = Number(rv);
      const replay = Number.isFinite(since) ? store.eventsSince(since) : 'expired';
      if (replay === 'expired') {
        const status = expired(`too old resource version: ${rv} (${store.oldestWatchable})`).toStatus();
        send('ERROR', status);
        res.end();
        return;
      }
      for (const event of replay) sendEvent(event);
    }

    const unsubscribe = store.subscribe(sendEvent);
    const timers: NodeJS.Timeout[] = [];
    if (params.allowWatchBookmarks) timers.push(setInterval(() => bookmark(), this.#bookmarkIntervalMs));
    if (params.timeoutSeconds !== undefined && params.timeoutSeconds > 0) {
      timers.push(setTimeout(() => watch.close(false), params.timeoutSeconds * 1000));
    }
    const cleanup = (): void => {
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      this.#active.delete(watch);
    };
    const watch: ActiveWatch = {
      res,
      close: (abrupt) => {
        cleanup();
        if (abrupt) res.socket?.destroy();
        else res.end();
      },
    };
    this.#active.add(watch);
    // IncomingMessage 'close' fires once the (empty) request body is read; the response tells us about the socket.
    res.on('close', cleanup);
  }

  /** The NDJSON line for `event` as `eventType` through `type`; every watcher of that view shares it. */
  #line(event: StoreEvent, type: ResourceType, eventType: string): string {
    if (this.#linesOf !== event) {
      this.#linesOf = event;
      this.#lines.clear();
    }
    const key = `${type.apiVersion}/${type.kind} ${eventType}`;
    let line = this.#lines.get(key);
    if (line === undefined) {
      line = `${JSON.stringify({ type: eventType, object: this.#api.sharedView(type, event.object) })}\n`;
      this.#lines.set(key, line);
    }
    return line;
  }
}
