// `devo-collector-operator render`: prints the objects the operator would apply for the Collectors and
// Services in some YAML files, for review before they reach a cluster (GitOps). Runs the same pure
// desiredState() as the controller; nothing is sent anywhere.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { collectorCrd } from '../api/collector-crd.ts';
import type { JsonSchema } from '../api/crd-definition.ts';
import { credentialKeys } from '../api/offered-sources.ts';
import { serviceCrd } from '../api/service-crd.ts';
import { API_VERSION, GROUP, type CollectorResource, type ServiceResource } from '../api/types.ts';
import type { SecretView } from '../reconcile/contract.ts';
import { desiredState } from '../reconcile/desired-state.ts';
import { TLS_SECRET_TYPE } from '../reconcile/secret-layout.ts';

// The runtime released with this operator (same version, package.json ships in the operator image), never a
// floating tag: an operator upgrade rolls the runtimes to the version it was tested with.
const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
export const DEFAULT_RUNTIME_IMAGE = `ghcr.io/devo/devo-collector:${version}`;

export const RENDER_HELP = `Usage: devo-collector-operator render -f FILE|DIR [-f FILE|DIR ...] [options]

Prints, as multi-document YAML, every object the operator would apply for the Collectors in the
files (ServiceAccount, Role, config and state ConfigMaps or PVC, metrics Service, Deployment), for
review in GitOps pipelines. Nothing is sent to a cluster. The output can be applied as it is
(kubectl apply -f): it carries no owner references, which need the Collector's uid that only the
API server assigns; the operator adds them when it applies the same objects.

Options:
  -f, --filename FILE|DIR      YAML with Collector and Service resources (repeatable); a directory
                               means its .yaml, .yml and .json files, as with kubectl. Secrets found
                               in the files count as existing (only their key names are used); other
                               kinds (a Namespace…) are skipped
  --secret-keys NAME=K1,K2     Secret NAME exists with exactly these keys (repeatable); "NAME=" means
                               it does not exist. Other Secrets are assumed to exist with the standard
                               keys: the source's credentials (tenant_id, client_id, client_secret) or
                               a ${TLS_SECRET_TYPE} certificate (tls.crt, tls.key, ca.crt)
  -n, --namespace NS           namespace of resources that name none (default "default")
  --runtime-image IMAGE        collector runtime image when a Collector sets none
                               (default ${DEFAULT_RUNTIME_IMAGE})
  -h, --help                   show this help

Exit status: 0 when every Collector renders completely; 1 on invalid input, an invalid config
(ConfigValid=False) or a missing Secret or key (SecretsFound=False; the Deployment is left out).`;

export interface RenderIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Defaults to reading the file system. */
  readFile?: (path: string) => Promise<string>;
  /** Epoch ms for "start time must be in the past"; defaults to the real clock. */
  now?: () => number;
}

interface Options {
  files: string[];
  secretKeys: Map<string, string[]>;
  namespace: string;
  runtimeImage: string;
}

class InputError extends Error {}

export async function runRender(argv: readonly string[], io: RenderIo): Promise<number> {
  try {
    const opts = parseArgs(argv);
    if (!opts) {
      io.stdout.write(`${RENDER_HELP}\n`);
      return 0;
    }
    return await render(opts, io);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    io.stderr.write(`render: ${err.message}\n`);
    return 1;
  }
}

function parseArgs(argv: readonly string[]): Options | undefined {
  const opts: Options = {
    files: [],
    secretKeys: new Map(),
    namespace: 'default',
    runtimeImage: DEFAULT_RUNTIME_IMAGE,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new InputError(`${flag} needs a value\n\n${RENDER_HELP}`);
      return next;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return undefined;
      case '-f':
      case '--filename':
        opts.files.push(value());
        break;
      case '-n':
      case '--namespace':
        opts.namespace = value();
        break;
      case '--runtime-image':
        opts.runtimeImage = value();
        break;
      case '--secret-keys': {
        const spec = value();
        const at = spec.indexOf('=');
        if (at < 1)
          throw new InputError(
            `--secret-keys expects NAME=KEY1,KEY2 (or NAME= for a missing Secret), got "${spec}"`,
          );
        const keys = spec
          .slice(at + 1)
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean);
        opts.secretKeys.set(spec.slice(0, at), keys);
        break;
      }
      default:
        throw new InputError(`unknown option "${arg}"\n\n${RENDER_HELP}`);
    }
  }
  if (opts.files.length === 0) throw new InputError(`name at least one file with -f\n\n${RENDER_HELP}`);
  return opts;
}

interface Loaded {
  collectors: CollectorResource[];
  services: ServiceResource[];
  secrets: Map<string, SecretView>;
}

async function render(opts: Options, io: RenderIo): Promise<number> {
  const loaded = await load(opts, io.readFile ?? ((p) => readFile(p, 'utf8')));
  const key = (ns: string | undefined, name: string) => `${ns}/${name}`;
  const known = new Set(loaded.collectors.map((c) => key(c.metadata.namespace, c.metadata.name)));
  const orphans = loaded.services.filter(
    (s) => !known.has(key(s.metadata.namespace, s.spec.collectorRef.name)),
  );
  if (orphans.length > 0)
    throw new InputError(
      orphans
        .map(
          (s) =>
            `Service ${s.metadata.namespace}/${s.metadata.name}: spec.collectorRef.name "${s.spec.collectorRef.name}" names no Collector in the files`,
        )
        .join('\n'),
    );
  if (loaded.collectors.length === 0) throw new InputError('the files hold no Collector');

  let failed = false;
  const now = io.now?.() ?? Date.now();
  for (const collector of loaded.collectors) {
    const ns = collector.metadata.namespace;
    const secrets: Record<string, SecretView> = {};
    const { spec } = collector;
    const creds = credentialKeys(spec.source);
    const certificate = spec.output.certificateSecretRef.name;
    secrets[spec.credentialsSecretRef.name] = secretFor(ns, spec.credentialsSecretRef.name, [
      ...creds.required,
      ...creds.optional,
    ]);
    secrets[certificate] = secretFor(ns, certificate, ['tls.crt', 'tls.key', 'ca.crt'], TLS_SECRET_TYPE);

    const desired = desiredState({
      collector,
      services: loaded.services.filter((s) => s.metadata.namespace === ns),
      secrets,
      settings: { runtimeImage: opts.runtimeImage, fieldManager: 'devo-collector-operator' },
      now,
    });
    const summary = desired.conditions.map((c) => `${c.type}=${c.status}`).join(', ');
    io.stdout.write(`# Collector ${ns}/${collector.metadata.name}: ${summary}\n`);
    for (const obj of desired.objects.map(withoutOwnerReferences))
      io.stdout.write(`---\n${stringify(obj, { aliasDuplicateObjects: false, lineWidth: 0 })}`);
    for (const c of desired.conditions.filter((c) => c.status === 'False')) {
      failed = true;
      io.stderr.write(
        `Collector ${ns}/${collector.metadata.name}: ${c.type}=False (${c.reason}): ${c.message}\n`,
      );
    }
    if (desired.withheld && desired.withheld.length > 0)
      io.stderr.write(
        `Collector ${ns}/${collector.metadata.name}: not rendered: ${desired.withheld.join(', ')}\n`,
      );
  }
  return failed ? 1 : 0;

  function secretFor(
    ns: string | undefined,
    name: string,
    standard: string[],
    standardType?: string,
  ): SecretView {
    const declared = opts.secretKeys.get(name);
    if (declared)
      return declared.length === 0
        ? { name, exists: false, keys: [] }
        : { name, exists: true, keys: declared };
    return loaded.secrets.get(`${ns}/${name}`) ?? { name, exists: true, keys: standard, type: standardType };
  }
}

async function load(opts: Options, read: (path: string) => Promise<string>): Promise<Loaded> {
  // Loaded here, not at start-up: the JSON Schema validator is ~11 MiB of RSS the `run` command never needs.
  const { checkAgainstSchema, withDefaults } = await import('../api/schema-check.ts');
  const out: Loaded = { collectors: [], services: [], secrets: new Map() };
  const problems: string[] = [];
  const schemas: Record<string, JsonSchema> = {
    Collector: collectorCrd().spec.versions[0]!.schema.openAPIV3Schema,
    Service: serviceCrd().spec.versions[0]!.schema.openAPIV3Schema,
  };
  for (const file of await expandDirectories(opts.files)) {
    let text: string;
    try {
      text = await read(file);
    } catch (err) {
      problems.push(`${file}: cannot read: ${(err as Error).message}`);
      continue;
    }
    parseAllDocuments(text).forEach((doc, i) => {
      const where = `${file} (document ${i + 1})`;
      if (doc.errors.length > 0) {
        problems.push(`${where}: invalid YAML: ${doc.errors[0]!.message}`);
        return;
      }
      const obj = doc.toJS() as Record<string, any> | null;
      if (obj === null || obj === undefined) return;
      if (typeof obj !== 'object' || Array.isArray(obj))
        return void problems.push(`${where}: expected a Kubernetes object`);
      const name = obj.metadata?.name;
      if (typeof name !== 'string' || name === '')
        return void problems.push(`${where}: metadata.name is required`);
      obj.metadata.namespace ??= opts.namespace;
      if (obj.apiVersion === 'v1' && obj.kind === 'Secret')
        return void out.secrets.set(`${obj.metadata.namespace}/${name}`, secretView(obj));
      // Not ours (a Namespace, a ConfigMap of the same GitOps folder): nothing to render for it.
      if (String(obj.apiVersion).split('/')[0] !== GROUP) return;
      const schema = schemas[obj.kind as string];
      if (obj.apiVersion !== API_VERSION || !schema)
        return void problems.push(
          `${where}: ${obj.apiVersion}/${obj.kind} is not a ${API_VERSION} Collector or Service (or a v1 Secret)`,
        );
      const resource = withDefaults(obj, schema);
      const issues = checkAgainstSchema(resource, schema);
      for (const issue of issues)
        problems.push(`${where}: ${obj.kind} ${name} ${issue.path}: ${issue.message}`);
      if (issues.length > 0) return;
      if (obj.kind === 'Collector') out.collectors.push(resource as CollectorResource);
      else out.services.push(resource as ServiceResource);
    });
  }
  if (problems.length > 0) throw new InputError(problems.join('\n'));
  return out;
}

/** Directories become their .yaml, .yml and .json files in name order (not recursive), as with kubectl. */
async function expandDirectories(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    const entries = await readdir(path, { withFileTypes: true }).catch(() => undefined);
    if (!entries) out.push(path);
    else
      out.push(
        ...entries
          .filter((e) => !e.isDirectory() && /\.(ya?ml|json)$/.test(e.name))
          .map((e) => join(path, e.name))
          .sort(),
      );
  }
  return out;
}

/** The child without owner references: the Collector's uid exists only once the API server made it. */
function withoutOwnerReferences(obj: KubernetesObject): KubernetesObject {
  const { ownerReferences: _omitted, ...metadata } = obj.metadata ?? {};
  return { ...obj, metadata };
}

/** Key names, type and a content hash of a Secret from the files: its values are never printed. */
function secretView(obj: Record<string, any>): SecretView {
  const entries = { ...(obj.data ?? {}), ...(obj.stringData ?? {}) } as Record<string, unknown>;
  const keys = Object.keys(entries).sort();
  const hash = createHash('sha256');
  for (const k of keys) hash.update(`${k}\0${String(entries[k])}\0`);
  return { name: obj.metadata.name, exists: true, keys, type: obj.type, hash: hash.digest('hex') };
}
