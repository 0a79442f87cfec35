// A lean JSON client for the API server: client-node's KubeConfig for auth and TLS, undici's request()
// for transport, plain JSON in and out. The generated typed clients cost ~4x the CPU per call (typed
// (de)serialization over every model, rxjs-style middleware, fetch) and silently drop fields of built-in
// kinds they do not know; at a thousand Collectors the operator is mostly API calls, so it uses this.
import {
  ApiException,
  HttpMethod,
  RequestContext,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { request } from 'undici';
import { KNOWN_KINDS, kindKey, type ResourceKind } from './resource-kinds.ts';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export class KubeRest {
  readonly #kc: KubeConfig;
  readonly #server: string;
  readonly #plurals = new Map<string, ResourceKind & { namespaced: boolean }>();

  constructor(kc: KubeConfig) {
    this.#kc = kc;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster in the kubeconfig');
    this.#server = cluster.server.replace(/\/+$/, '');
    for (const k of KNOWN_KINDS) this.#plurals.set(kindKey(k.apiVersion, k.kind), { ...k, namespaced: true });
  }

  async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    opts: RequestOptions = {},
  ): Promise<T> {
    const url = new URL(this.#server + path);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const ctx = new RequestContext(url.toString(), HttpMethod[method]);
    await this.#kc.applySecurityAuthentication(ctx);
    const headers: Record<string, string> = { ...ctx.getHeaders(), accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    const res = await request(url, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      dispatcher: ctx.getDispatcher(),
      headersTimeout: opts.timeoutMs ?? 60_000,
      bodyTimeout: opts.timeoutMs ?? 60_000,
    });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new ApiException(res.statusCode, `${method} ${path} failed: HTTP ${res.statusCode}`, text, {});
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  /** Server-side apply: the complete desired object under `fieldManager`. */
  apply<T>(path: string, body: unknown, fieldManager: string, force: boolean): Promise<T> {
    return this.request<T>('PATCH', path, {
      body,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager, force },
    });
  }

  /** The REST path of an object (or its collection when `name` is absent). */
  async pathOf(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name?: string,
  ): Promise<string> {
    const resource = await this.#resource(apiVersion, kind);
    const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${prefix}${ns}/${resource.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  }

  objectPath(obj: KubernetesObject): Promise<string> {
    return this.pathOf(
      obj.apiVersion ?? 'v1',
      obj.kind ?? '',
      obj.metadata?.namespace,
      obj.metadata?.name ?? '',
    );
  }

  /** Kinds outside the built-in table are looked up once through discovery, like kubectl does. */
  async #resource(apiVersion: string, kind: string): Promise<{ plural: string; namespaced: boolean }> {
    const key = kindKey(apiVersion, kind);
    const known = this.#plurals.get(key);
    if (known) return known;
    const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const list = await this.get<{ resources: ApiResource[] }>(prefix);
    for (const r of list.resources) {
      if (r.name.includes('/')) continue;
      this.#plurals.set(kindKey(apiVersion, r.kind), {
        apiVersion,
        kind: r.kind,
        plural: r.name,
        namespaced: r.namespaced,
      });
    }
    const found = this.#plurals.get(key);
    if (!found) throw new Error(`the API server does not serve ${kind} in ${apiVersion}`);
    return found;
  }
}
