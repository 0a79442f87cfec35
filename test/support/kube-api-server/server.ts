// KubeApiTestServer: an in-process, loopback-only Kubernetes API server test double that the real
// @kubernetes/client-node talks to over HTTP. See README.md for what it implements and what it does not.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiError, badRequest, methodNotAllowed, pathNotFound, unauthorized } from './api-error.ts';
import { WorkloadControllers, type ControllerHandle, type ControllerOptions } from './controllers.ts';
import { apiGroupDocument, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.ts';
import { cloneJson, isJsonObject, type JsonObject } from './json-value.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import {
  ObjectApi,
  parseYamlBody,
  type DeleteOptions,
  type FieldValidation,
  type WriteOptions,
} from './object-api.ts';
import { ResourceRegistry } from './resource-registry.ts';
import { route } from './routing.ts';
import { unenforcedRules } from './schema-validation.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { ObjectStore } from './store.ts';
import { WatchHub } from './watch.ts';

export interface KubeApiTestServerOptions {
  /** How many change events watches can replay (default 1000); older resourceVersions get 410 Gone. */
  historyLimit?: number;
  /** BOOKMARK interval for watches with allowWatchBookmarks=true (default 1000 ms; real servers ~1 min). */
  bookmarkIntervalMs?: number;
  /** Bearer token the kubeconfig carries and the server requires (random by default). */
  token?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  userAgent: string | undefined;
  watch: boolean;
  /** Response status; watches record 200 when the stream opens. */
  status: number;
  /** Parsed JSON/YAML body for writes (raw text when it did not parse). */
  body: unknown;
}

export interface InjectedFault {
  method?: string;
  /** Substring or pattern matched against the request path (no query). */
  path?: string | RegExp;
  status: number;
  reason?: string;
  message?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface UnenforcedValidation {
  crd: string;
  version: string;
  path: string;
  rule: string;
  why: string;
}

const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const SEED_MANAGER = 'kube-apiserver';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text.trim() === '') return undefined;
  try {
    return contentType?.includes('yaml') ? parseYamlBody(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
  };
  // Warning headers as the apiserver emits them (RFC 7234 code 299).
  if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(status, headers);
  res.end(text);
}

export class KubeApiTestServer {
  readonly #server: Server;
  readonly #store: ObjectStore;
  readonly #registry = new ResourceRegistry();
  readonly #api: ObjectApi;
  readonly #watches: WatchHub;
  readonly #token: string;
  readonly #requests: RecordedRequest[] = [];
  readonly #faults: InjectedFault[] = [];
  readonly #rollouts = new Map<string, number>();
  #controllers: WorkloadControllers | undefined;
  #port = 0;

  private constructor(opts: KubeApiTestServerOptions) {
    this.#store = new ObjectStore(opts.historyLimit ?? 1000);
    this.#api = new ObjectApi(this.#store, this.#registry);
    this.#watches = new WatchHub(this.#api, opts.bookmarkIntervalMs ?? 1000);
    this.#token = opts.token ?? randomBytes(16).toString('hex');
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', () => this.#connections++);
  }

  #connections = 0;

  /** TCP connections accepted so far (a client that reuses connections keeps this low). */
  connectionsAccepted(): number {
    return this.#connections;
  }

  static async start(opts: KubeApiTestServerOptions = {}): Promise<KubeApiTestServer> {
    const server = new KubeApiTestServer(opts);
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(0, '127.0.0.1', () => resolve());
    });
    server.#port = (server.#server.address() as AddressInfo).port;
    server.#seed();
    return server;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get token(): string {
    return this.#token;
  }

  /** Kubeconfig YAML pointing at this server (context namespace defaults to `default`). */
  kubeconfig(namespace = 'default'): string {
    return renderKubeconfig({ server: this.url, token: this.#token, namespace });
  }

  /** A client-node KubeConfig loaded from kubeconfig(). */
  makeKubeConfig(namespace = 'default'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(this.kubeconfig(namespace));
    return kc;
  }

  /** Writes kubeconfig() to `<dir>/kubeconfig` (for child processes via KUBECONFIG); returns the path. */
  async writeKubeconfigFile(dir: string, namespace = 'default'): Promise<string> {
    const path = join(dir, 'kubeconfig');
    await writeFile(path, this.kubeconfig(namespace), { mode: 0o600 });
    return path;
  }

  /** Every request served so far, oldest first. */
  requests(): RecordedRequest[] {
    return structuredClone(this.#requests);
  }

  clearRequests(): void {
    this.#requests.length = 0;
  }

  /** The current global resourceVersion. */
  resourceVersion(): string {
    return String(this.#store.revision);
  }

  /** Makes every resourceVersion issued so far too old to watch from (410 Gone), like an etcd compaction. */
  expireWatchHistory(): void {
    this.#store.expireHistory();
  }

  /** Ends every open watch stream; `abrupt` destroys sockets instead of ending the response cleanly. */
  breakWatches(opts: { abrupt?: boolean } = {}): void {
    this.#watches.breakAll(opts.abrupt === true);
  }

  activeWatches(): number {
    return this.#watches.activeCount;
  }

  /** Makes the next matching request(s) fail with a Status of the given code. */
  injectFault(fault: InjectedFault): void {
    this.#faults.push({ ...fault, times: fault.times ?? 1 });
  }

  /** Back to a fresh cluster: no objects or CRDs, built-in namespaces only; watches and controllers stop. */
  async reset(): Promise<void> {
    await this.#controllers?.stop();
    this.#controllers = undefined;
    this.#watches.breakAll(false);
    this.#store.clear();
    this.#registry.clearCustom();
    this.#requests.length = 0;
    this.#faults.length = 0;
    this.#rollouts.clear();
    this.#seed();
  }

  /** Starts the Deployment/Job/PVC stand-ins (see controllers.ts). Stop them with the returned handle. */
  runControllers(opts: ControllerOptions = {}): ControllerHandle {
    if (this.#controllers) throw new Error('controllers are already running; stop them first');
    const controllers = new WorkloadControllers(this.#api, this.#registry, opts, this.#rollouts);
    this.#controllers = controllers;
    return {
      stop: async () => {
        await controllers.stop();
        if (this.#controllers === controllers) this.#controllers = undefined;
      },
    };
  }

  /** How many rollouts (pod template versions) the Deployment stand-in has started for a Deployment. */
  rollouts(name: string, namespace = 'default'): number {
    return this.#rollouts.get(`${namespace}/${name}`) ?? 0;
  }

  /** Pods currently started (ready or not) for a Deployment by the stand-in. */
  runningPods(name: string, namespace = 'default'): number {
    return this.#controllers?.runningPods(`${namespace}/${name}`) ?? 0;
  }

  /** x-kubernetes-validations rules of installed CRDs that this server skips (libraries the CEL evaluator lacks). */
  unenforcedValidations(): UnenforcedValidation[] {
    return this.#registry
      .all()
      .filter((t) => t.custom)
      .flatMap((t) =>
        unenforcedRules(t.custom?.schema).map((r) => ({
          crd: t.custom?.crdName ?? '',
          version: t.version,
          ...r,
        })),
      );
  }

  /** Reads an object directly (no HTTP); undefined when absent. */
  getObject(apiVersion: string, kind: string, name: string, namespace?: string): JsonObject | undefined {
    const type = this.#registry.findByKind(apiVersion, kind);
    if (!type) throw new Error(`unknown kind ${apiVersion} ${kind}`);
    try {
      return cloneJson(this.#api.get(type, namespace, name));
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** Lists objects directly (no HTTP). */
  listObjects(apiVersion: string, kind: string, namespace?: string): JsonObject[] {
    const type = this.#registry.findByKind(apiVersion, kind);
    if (!type) throw new Error(`unknown kind ${apiVersion} ${kind}`);
    return cloneJson(this.#api.list(type, namespace).items as JsonObject[]);
  }

  /** Creates an object directly through the full write pipeline (no HTTP), e.g. to seed a test. */
  createObject(obj: JsonObject, fieldManager = 'kube-api-test-server'): JsonObject {
    const type = this.#registry.findByKind(String(obj.apiVersion), String(obj.kind));
    if (!type) throw new Error(`unknown kind ${String(obj.apiVersion)} ${String(obj.kind)}`);
    const ns = type.namespaced
      ? String((obj.metadata as JsonObject | undefined)?.namespace ?? 'default')
      : undefined;
    return cloneJson(this.#api.create(type, ns, obj, { fieldManager }).object);
  }

  /**
   * Deletes an object directly (no HTTP) with the normal semantics (finalizers, cascade). Synchronous, so a
   * test can change state between breakWatches() and a client's reconnect.
   */
  deleteObject(apiVersion: string, kind: string, name: string, namespace?: string): void {
    const type = this.#registry.findByKind(apiVersion, kind);
    if (!type) throw new Error(`unknown kind ${apiVersion} ${kind}`);
    this.#api.delete(type, namespace, name);
  }

  async close(): Promise<void> {
    await this.#controllers?.stop();
    this.#watches.breakAll(false);
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #seed(): void {
    const type = this.#registry.find('', 'v1', 'namespaces');
    if (!type) return;
    for (const name of BUILTIN_NAMESPACES) {
      this.#api.create(type, undefined, { metadata: { name } }, { fieldManager: SEED_MANAGER });
    }
  }

  #takeFault(method: string, path: string): InjectedFault | undefined {
    const index = this.#faults.findIndex(
      (f) =>
        (!f.method || f.method.toUpperCase() === method) &&
        (!f.path || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path))),
    );
    if (index < 0) return undefined;
    const fault = this.#faults[index];
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const query = Object.fromEntries(url.searchParams);
    const contentType = req.headers['content-type'];
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query,
      contentType,
      userAgent: req.headers['user-agent'],
      watch: query.watch === 'true' || query.watch === '1',
      status: 0,
      body: undefined,
    };
    this.#requests.push(record);
    const warnings: string[] = [];
    try {
      const text = await readBody(req);
      if (text !== '') {
        try {
          record.body = contentType?.includes('yaml') ? parseYamlBody(text) : JSON.parse(text);
        } catch {
          record.body = text;
        }
      }
      const isPublic = ['/version', '/healthz', '/readyz', '/livez'].includes(url.pathname);
      if (!isPublic && req.headers.authorization !== `Bearer ${this.#token}`) throw unauthorized();
      const fault = this.#takeFault(method, url.pathname);
      if (fault) {
        throw new ApiError(
          fault.status,
          fault.reason ?? 'InternalError',
          fault.message ?? `injected fault (${fault.status})`,
        );
      }
      const result = this.#dispatch(req, res, method, url, text, warnings, record);
      if (result) {
        record.status = result.status;
        sendJson(res, result.status, result.body, warnings);
      }
    } catch (err) {
      const apiErr =
        err instanceof ApiError
          ? err
          : new ApiError(500, 'InternalError', `Internal error occurred: ${String(err)}`);
      record.status = apiErr.code;
      if (!res.headersSent) sendJson(res, apiErr.code, apiErr.toStatus(), warnings);
      else res.end();
    }
  }

  /** Returns the response to send, or undefined when a watch took over the response. */
  #dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
    text: string,
    warnings: string[],
    record: RecordedRequest,
  ): { status: number; body: unknown } | undefined {
    const r = route(url.pathname, this.#registry);
    const q = url.searchParams;
    if (r.kind !== 'resource') {
      if (method !== 'GET')
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
      if (r.kind === 'discovery') {
        if (r.doc === 'health') return { status: 200, body: 'ok' };
        if (r.doc === 'version') return { status: 200, body: SERVER_VERSION };
        if (r.doc === 'api') return { status: 200, body: apiVersions(`127.0.0.1:${this.#port}`) };
        return { status: 200, body: apiGroupList(this.#registry) };
      }
      const doc =
        r.kind === 'group'
          ? apiGroupDocument(this.#registry, r.group)
          : apiResourceList(this.#registry, r.group, r.version);
      if (!doc) throw pathNotFound();
      return { status: 200, body: doc };
    }

    const { type, namespace, name, subresource } = r;
    const contentType = req.headers['content-type'];
    const writeOpts = (): WriteOptions => {
      const dryRun = q.get('dryRun');
      if (dryRun !== null && dryRun !== 'All') throw badRequest(`Invalid dry run value: ${dryRun}`);
      const validation = q.get('fieldValidation');
      if (validation !== null && !['Strict', 'Warn', 'Ignore'].includes(validation)) {
        throw badRequest(`fieldValidation: Unsupported value: "${validation}"`);
      }
      // Default manager: the User-Agent's product token, as the apiserver derives it.
      const agent = String(req.headers['user-agent'] ?? 'unknown').split('/')[0];
      return {
        fieldManager: q.get('fieldManager') ?? agent,
        dryRun: dryRun === 'All',
        fieldValidation: (validation ?? 'Warn') as FieldValidation,
        warnings,
      };
    };

    switch (method) {
      case 'GET': {
        if (name !== undefined) return { status: 200, body: this.#api.get(type, namespace, name) };
        if (r.legacyWatch || record.watch) {
          const timeout = q.get('timeoutSeconds');
          const params = {
            type,
            namespace,
            labels: parseLabelSelector(q.get('labelSelector') ?? undefined),
            fields: parseFieldSelector(q.get('fieldSelector') ?? undefined, type.fieldSelectors),
            resourceVersion: q.get('resourceVersion') ?? undefined,
            allowWatchBookmarks: q.get('allowWatchBookmarks') === 'true',
            sendInitialEvents: q.get('sendInitialEvents') === 'true',
            timeoutSeconds: timeout === null ? undefined : Number(timeout),
          };
          record.watch = true;
          record.status = 200;
          this.#watches.serve(res, params);
          return undefined;
        }
        const limit = q.get('limit');
        return {
          status: 200,
          body: this.#api.list(type, namespace, {
            labelSelector: q.get('labelSelector') ?? undefined,
            fieldSelector: q.get('fieldSelector') ?? undefined,
            limit: limit === null ? undefined : Number(limit),
            continue: q.get('continue') ?? undefined,
          }),
        };
      }
      case 'POST': {
        if (name !== undefined)
          throw methodNotAllowed('the server does not allow this method on the requested resource');
        const result = this.#api.create(type, namespace, parseBody(text, contentType), writeOpts());
        return { status: result.status, body: result.object };
      }
      case 'PUT': {
        if (name === undefined)
          throw methodNotAllowed('the server does not allow this method on the requested resource');
        const result = this.#api.update(
          type,
          namespace,
          name,
          subresource,
          parseBody(text, contentType),
          writeOpts(),
        );
        return { status: result.status, body: result.object };
      }
      case 'PATCH': {
        if (name === undefined)
          throw methodNotAllowed('the server does not allow this method on the requested resource');
        const force = q.get('force');
        const opts = { ...writeOpts(), force: force === null ? undefined : force === 'true' };
        // Apply has no User-Agent fallback: the apiserver insists on an explicit fieldManager.
        if (contentType?.startsWith('application/apply-patch'))
          opts.fieldManager = q.get('fieldManager') ?? '';
        const result = this.#api.patch(type, namespace, name, subresource, contentType ?? '', text, opts);
        return { status: result.status, body: result.object };
      }
      case 'DELETE': {
        const body = parseBody(text, contentType);
        const options = isJsonObject(body) ? body : {};
        const pre = isJsonObject(options.preconditions) ? options.preconditions : {};
        const dryRunBody = Array.isArray(options.dryRun) && options.dryRun.includes('All');
        const orphan = q.get('orphanDependents') ?? options.orphanDependents;
        const deleteOpts: DeleteOptions = {
          propagationPolicy: q.get('propagationPolicy') ?? (options.propagationPolicy as string | undefined),
          orphanDependents: orphan === undefined || orphan === null ? undefined : String(orphan) === 'true',
          preconditions: {
            uid: pre.uid as string | undefined,
            resourceVersion: pre.resourceVersion as string | undefined,
          },
          dryRun: q.get('dryRun') === 'All' || dryRunBody,
        };
        if (name === undefined) {
          const body = this.#api.deleteCollection(
            type,
            namespace,
            {
              labelSelector: q.get('labelSelector') ?? undefined,
              fieldSelector: q.get('fieldSelector') ?? undefined,
            },
            deleteOpts,
          );
          return { status: 200, body };
        }
        const result = this.#api.delete(type, namespace, name, deleteOpts);
        return { status: result.status, body: result.object };
      }
      default:
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
  }
}

export async function startKubeApiTestServer(opts?: KubeApiTestServerOptions): Promise<KubeApiTestServer> {
  return KubeApiTestServer.start(opts);
}
