// Collector + Services → the runtime's config.yaml, through the field ↔ key tables of api/config-keys.ts.
import { stringify } from 'yaml';
import {
  COLLECTOR_INPUT_FIELDS,
  RESERVED_INPUT_SETTINGS,
  RESERVED_SERVICE_SETTINGS,
  SERVICE_FIELDS,
} from '../api/config-keys.ts';
import { credentialKeys, sourceDefinition, servicesOf } from '../api/offered-sources.ts';
import type { CollectorResource, ServiceResource } from '../api/types.ts';
import { childNames } from './child-meta.ts';
import type { SecretView } from './contract.ts';
import type { FieldProblem } from './field-problem.ts';
import { effectivePersistence } from './persistence.ts';
import { CERT_FILES, credentialFileKeys } from './secret-layout.ts';

/** The pod's directory layout: the collectors' documented Docker layout under one home. */
export const RUNTIME_HOME = '/devo-collector';
export const RUNTIME_DIRS = {
  config: `${RUNTIME_HOME}/config`,
  certs: `${RUNTIME_HOME}/certs`,
  credentials: `${RUNTIME_HOME}/credentials`,
  state: `${RUNTIME_HOME}/state`,
} as const;
export const CONFIG_FILE = 'config.yaml';
export const METRICS_PORT = 9464;
export const OUTPUT_NAME = 'devo_1';

export interface RenderedConfig {
  /** The config.yaml document as an object (what validateConfig reads). */
  document: Record<string, unknown>;
  /** The exact text of config.yaml in the ConfigMap. */
  text: string;
  /** Service CR name by the service key it rendered (to pin runtime problems on the right CR). */
  serviceOwners: Record<string, string>;
  /** The input id, part of every state key the runtime writes. */
  inputId: string;
  /** Problems found before the runtime's validator runs (duplicates, reserved or secret settings). */
  problems: FieldProblem[];
}

export function renderConfig(
  collector: CollectorResource,
  services: readonly ServiceResource[],
  credentials: SecretView | undefined,
): RenderedConfig {
  const { spec, metadata } = collector;
  const problems: FieldProblem[] = [];
  const names = childNames(metadata.name);
  const pvc = effectivePersistence(collector) === 'PersistentVolumeClaim';

  const inputId = spec.inputId ?? metadata.name;
  const input: Record<string, unknown> = { id: inputId };
  copyFields(spec as unknown as Record<string, unknown>, COLLECTOR_INPUT_FIELDS, input);
  const secretSettings = secretSettingKeys(spec.source);
  const { required, optional } = credentialKeys(spec.source);
  const fromSecret = [...secretSettings, ...required, ...optional];
  Object.assign(
    input,
    settingsOf('Collector', metadata.name, spec.settings, RESERVED_INPUT_SETTINGS, fromSecret, problems),
  );
  // Secret input settings (none for Graph today) are read from the credentials Secret when it holds them.
  for (const key of secretSettings.filter((k) => credentials?.keys.includes(k)))
    input[`${key}_file`] = `${RUNTIME_DIRS.credentials}/${key}`;
  input.credentials = Object.fromEntries(
    credentialFileKeys(spec.source, credentials).map((k) => [
      `${k}_file`,
      `${RUNTIME_DIRS.credentials}/${k}`,
    ]),
  );

  const serviceOwners: Record<string, string> = {};
  const entries: Record<string, unknown> = {};
  for (const svc of orderServices(spec.source, services)) {
    const key = svc.spec.service;
    const earlier = serviceOwners[key];
    if (earlier !== undefined) {
      problems.push({
        kind: 'Service',
        name: svc.metadata.name,
        field: 'spec.service',
        message: `service ${key} is already configured by Service ${earlier}; a Collector runs each service once`,
      });
      continue;
    }
    serviceOwners[key] = svc.metadata.name;
    const entry: Record<string, unknown> = {};
    copyFields(svc.spec as unknown as Record<string, unknown>, SERVICE_FIELDS, entry);
    Object.assign(
      entry,
      settingsOf('Service', svc.metadata.name, svc.spec.settings, RESERVED_SERVICE_SETTINGS, [], problems),
    );
    entries[key] = entry;
  }
  input.services = entries;

  const document = {
    globals: {
      debug: spec.debug ?? false,
      id: metadata.name,
      name: metadata.name,
      persistence: pvc
        ? { type: 'filesystem', config: { directory_name: RUNTIME_DIRS.state } }
        : { type: 'configmap', config: { name: names.state, namespace: metadata.namespace } },
      metrics: { port: METRICS_PORT },
      kubernetes_status: { collector: metadata.name, namespace: metadata.namespace },
    },
    outputs: {
      [OUTPUT_NAME]: {
        type: 'devo_platform',
        config: {
          address: spec.output.address,
          port: spec.output.port ?? 443,
          type: 'SSL',
          ...CERT_FILES,
          verify_hostname: spec.output.verifyHostname ?? true,
        },
      },
    },
    inputs: { [spec.source]: input },
  };
  const header = `# Rendered by devo-collector-operator from Collector ${metadata.namespace}/${metadata.name} and its Services.\n# Edit those resources, not this file: the operator rewrites it.\n`;
  return {
    document,
    text: header + stringify(document, { aliasDuplicateObjects: false }),
    serviceOwners,
    inputId,
    problems,
  };
}

/** The source's own order (stable whatever the CR names), then by name for unknown services. */
function orderServices(source: string, services: readonly ServiceResource[]): ServiceResource[] {
  const order = servicesOf(source);
  const rank = (s: ServiceResource) => {
    const i = order.indexOf(s.spec.service);
    return i === -1 ? order.length : i;
  };
  return [...services].sort((a, b) => rank(a) - rank(b) || a.metadata.name.localeCompare(b.metadata.name));
}

function copyFields(
  from: Record<string, unknown>,
  table: Record<string, string>,
  into: Record<string, unknown>,
): void {
  for (const [field, key] of Object.entries(table)) if (from[field] !== undefined) into[key] = from[field];
}

function settingsOf(
  kind: FieldProblem['kind'],
  name: string,
  settings: Record<string, unknown> | undefined,
  reserved: readonly string[],
  secretKeys: readonly string[],
  problems: FieldProblem[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings ?? {})) {
    const field = `spec.settings.${key}`;
    if (reserved.includes(key)) {
      problems.push({
        kind,
        name,
        field,
        message: `is set by the resource's own fields; ${ownerOf(kind, key)}`,
      });
    } else if (secretKeys.includes(key)) {
      problems.push({
        kind,
        name,
        field,
        message: `is a secret: put it under key ${key} of the credentials Secret`,
      });
    } else if (/_(file|env)$/.test(key)) {
      problems.push({
        kind,
        name,
        field,
        message: 'secrets come from spec.credentialsSecretRef, not from settings',
      });
    } else out[key] = value;
  }
  return out;
}

function ownerOf(kind: FieldProblem['kind'], key: string): string {
  const table: Record<string, string> = kind === 'Service' ? SERVICE_FIELDS : COLLECTOR_INPUT_FIELDS;
  const field = Object.keys(table).find((f) => table[f] === key);
  if (field) return `set spec.${field} instead`;
  if (key === 'credentials') return 'name the credentials Secret in spec.credentialsSecretRef instead';
  if (key === 'services') return 'create one Service resource per service instead';
  return 'set spec.requestsPerSecond instead';
}

/** Secret settings of the source must come from the Secret, never from the ConfigMap. */
function secretSettingKeys(source: string): string[] {
  const settings = sourceDefinition(source)?.settings ?? {};
  return Object.keys(settings).filter((k) => settings[k]!.rule.secret);
}
