// How the runtime reaches the Kubernetes API for its few calls (its state ConfigMap, its Collector's
// status): KUBECONFIG when set (tests, out-of-cluster), else the pod's service account. Plain HTTPS through
// http/transport.ts, as for the vendor APIs: @kubernetes/client-node would add ~78 MiB of resident memory
// to every collector pod for three kinds of request (test/bench/RESULTS.md, "Runtime memory").
// The operator, which needs watches and much more of the API, keeps client-node.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { HttpAgent, httpRequest, readText } from './http/transport.ts';
import { parse } from 'yaml';
import { CollectorError } from './errors.ts';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Projected service-account tokens rotate (hourly by default): re-read the file this often. */
const TOKEN_REREAD_MS = 60_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** A non-2xx answer of the API server; `body` is the parsed Status object when it sent one. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly body: unknown;
  constructor(method: string, path: string, code: number, body: unknown) {
    super(`${method} ${path}: HTTP ${code} ${statusMessage(body)}`.trim());
    this.name = 'KubeApiError';
    this.code = code;
    this.body = body;
  }
}

export interface KubeRequest {
  body?: unknown;
  /** Default application/json; server-side apply wants application/apply-patch+yaml. */
  contentType?: string;
}

export interface KubeApi {
  /** One API call; resolves with the parsed JSON answer, rejects with KubeApiError on a non-2xx status. */
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, req?: KubeRequest): Promise<T>;
}

interface Endpoint {
  server: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  insecure?: boolean;
  token?: () => string | undefined;
}

export function runtimeKubeApi(env: NodeJS.ProcessEnv): KubeApi {
  const file = env.KUBECONFIG?.split(':').find(Boolean);
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CollectorError(
        'CR_ERR_CONFIG_READ',
        `cannot read KUBECONFIG ${file}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    return kubeApiFromKubeconfig(text, file);
  }
  return inClusterKubeApi(env);
}

export function podNamespace(env: NodeJS.ProcessEnv): string | undefined {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    return readFileSync(`${SERVICE_ACCOUNT_DIR}/namespace`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function inClusterKubeApi(env: NodeJS.ProcessEnv): KubeApi {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host)
    throw new CollectorError(
      'CR_ERR_CONFIG_INVALID',
      'the Kubernetes API is needed (configmap persistence or globals.kubernetes_status) but neither KUBECONFIG nor KUBERNETES_SERVICE_HOST is set: run in a pod or set KUBECONFIG',
    );
  return kubeApi({
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFileSync(`${SERVICE_ACCOUNT_DIR}/ca.crt`),
    token: rereadingToken(`${SERVICE_ACCOUNT_DIR}/token`),
  });
}

/** The current context of a kubeconfig: token or client-certificate users (exec plugins are not supported). */
export function kubeApiFromKubeconfig(text: string, path = 'kubeconfig'): KubeApi {
  const doc = (parse(text) ?? {}) as Kubeconfig;
  const base = path === 'kubeconfig' ? process.cwd() : dirname(path);
  const fail = (what: string): never => {
    throw new CollectorError('CR_ERR_CONFIG_INVALID', `${path}: ${what}`);
  };
  const contextName = doc['current-context'] ?? fail('no current-context');
  const context = doc.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) fail(`current-context "${contextName}" is not among contexts`);
  const cluster = doc.clusters?.find((c) => c.name === context!.cluster)?.cluster;
  if (!cluster?.server) fail(`cluster "${context!.cluster}" has no server`);
  const user = doc.users?.find((u) => u.name === context!.user)?.user ?? {};
  if (user.exec || user['auth-provider'])
    fail(
      `user "${context!.user}" uses an exec or auth-provider plugin, which the collector runtime does not run: give it a token or a client certificate`,
    );
  const file = (p: string) => readFileSync(isAbsolute(p) ? p : resolve(base, p));
  const pick = (data?: string, p?: string) => (data ? Buffer.from(data, 'base64') : p ? file(p) : undefined);
  const endpoint: Endpoint = { server: cluster!.server! };
  const ca = pick(cluster!['certificate-authority-data'], cluster!['certificate-authority']);
  const cert = pick(user['client-certificate-data'], user['client-certificate']);
  const key = pick(user['client-key-data'], user['client-key']);
  if (ca) endpoint.ca = ca;
  if (cert) endpoint.cert = cert;
  if (key) endpoint.key = key;
  if (cluster!['insecure-skip-tls-verify']) endpoint.insecure = true;
  if (user.token) endpoint.token = () => user.token;
  else if (user.tokenFile) endpoint.token = rereadingToken(user.tokenFile);
  return kubeApi(endpoint);
}

function rereadingToken(file: string): () => string {
  let token = '';
  let readAt = -Infinity;
  return () => {
    if (Date.now() - readAt > TOKEN_REREAD_MS) {
      token = readFileSync(file, 'utf8').trim();
      readAt = Date.now();
    }
    return token;
  };
}

function kubeApi(e: Endpoint): KubeApi {
  const agent = new HttpAgent({
    tls: {
      ...(e.ca ? { ca: e.ca } : {}),
      ...(e.cert ? { cert: e.cert } : {}),
      ...(e.key ? { key: e.key } : {}),
      rejectUnauthorized: !e.insecure,
    },
    headersTimeoutMs: REQUEST_TIMEOUT_MS,
    bodyTimeoutMs: REQUEST_TIMEOUT_MS,
  });
  const server = e.server.replace(/\/+$/, '');
  return {
    async request<T>(
      method: 'GET' | 'POST' | 'PUT' | 'PATCH',
      path: string,
      req: KubeRequest = {},
    ): Promise<T> {
      const headers: Record<string, string> = { accept: 'application/json' };
      const token = e.token?.();
      if (token) headers.authorization = `Bearer ${token}`;
      if (req.body !== undefined) headers['content-type'] = req.contentType ?? 'application/json';
      const res = await httpRequest(`${server}${path}`, {
        method,
        headers,
        agent,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      });
      const text = await readText(res.body);
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text (an error page from a proxy, say)
      }
      if (res.statusCode >= 300) throw new KubeApiError(method, path, res.statusCode, parsed);
      return parsed as T;
    },
  };
}

/** The `message` of a Kubernetes Status body, or the start of a text body. */
export function statusMessage(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 200);
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : '';
}

interface Kubeconfig {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: {
    name: string;
    cluster: {
      server?: string;
      'certificate-authority'?: string;
      'certificate-authority-data'?: string;
      'insecure-skip-tls-verify'?: boolean;
    };
  }[];
  users?: {
    name: string;
    user: {
      token?: string;
      tokenFile?: string;
      'client-certificate'?: string;
      'client-certificate-data'?: string;
      'client-key'?: string;
      'client-key-data'?: string;
      exec?: unknown;
      'auth-provider'?: unknown;
    };
  }[];
}
