// Defaulting of built-in kinds, mirroring the apiserver's SetDefaults_* funcs for the fields an operator is
// likely to diff against (a controller that compares desired vs live must cope with these being filled in).
// Only the common fields are covered; see README.md.

import { ensureObject, isJsonObject, type JsonObject, type JsonValue } from './json-value.ts';

function setDefault(obj: JsonObject, key: string, value: JsonValue): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

/** `Always` for `:latest` or untagged images, `IfNotPresent` otherwise (SetDefaults_Container). */
export function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: JsonValue | undefined): void {
  if (!isJsonObject(probe)) return;
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  if (isJsonObject(probe.httpGet)) setDefault(probe.httpGet, 'scheme', 'HTTP');
}

function defaultContainer(container: JsonValue): void {
  if (!isJsonObject(container)) return;
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  if (typeof container.image === 'string')
    setDefault(container, 'imagePullPolicy', defaultPullPolicy(container.image));
  setDefault(container, 'resources', {});
  if (Array.isArray(container.ports)) {
    for (const port of container.ports) if (isJsonObject(port)) setDefault(port, 'protocol', 'TCP');
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(container[probe]);
}

export function defaultPodSpec(spec: JsonObject, restartPolicy: string | undefined): void {
  if (restartPolicy) setDefault(spec, 'restartPolicy', restartPolicy);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  for (const list of ['containers', 'initContainers']) {
    if (Array.isArray(spec[list])) spec[list].forEach(defaultContainer);
  }
  if (Array.isArray(spec.volumes)) {
    for (const volume of spec.volumes) {
      if (!isJsonObject(volume)) continue;
      if (isJsonObject(volume.configMap)) setDefault(volume.configMap, 'defaultMode', 420);
      if (isJsonObject(volume.secret)) setDefault(volume.secret, 'defaultMode', 420);
      if (isJsonObject(volume.projected)) setDefault(volume.projected, 'defaultMode', 420);
    }
  }
}

function defaultPodTemplate(owner: JsonObject, restartPolicy: string | undefined): void {
  const template = owner.template;
  if (!isJsonObject(template)) return;
  defaultPodSpec(ensureObject(template, 'spec'), restartPolicy);
}

let nextClusterIp = 1;
let nextNodePort = 30000;

function defaultService(obj: JsonObject, creating: boolean): void {
  const spec = ensureObject(obj, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.type !== 'ExternalName') {
    if (creating && spec.clusterIP === undefined) {
      const n = nextClusterIp++;
      spec.clusterIP = `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    }
    if (spec.clusterIP !== undefined) setDefault(spec, 'clusterIPs', [spec.clusterIP]);
    setDefault(spec, 'ipFamilies', ['IPv4']);
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  }
  const exposesNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  if (exposesNodePorts) setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (Array.isArray(spec.ports)) {
    for (const port of spec.ports) {
      if (!isJsonObject(port)) continue;
      setDefault(port, 'protocol', 'TCP');
      if (port.port !== undefined) setDefault(port, 'targetPort', port.port);
      if (creating && exposesNodePorts) setDefault(port, 'nodePort', nextNodePort++);
    }
  }
  if (creating) setDefault(ensureObject(obj, 'status'), 'loadBalancer', {});
}

/** Applies defaults in place. `creating` gates values that are allocated once (cluster IPs, job selectors). */
export function applyBuiltinDefaults(storageKey: string, obj: JsonObject, creating: boolean): void {
  const meta = ensureObject(obj, 'metadata');
  switch (storageKey) {
    case 'apps/deployments': {
      const spec = ensureObject(obj, 'spec');
      setDefault(spec, 'replicas', 1);
      setDefault(spec, 'revisionHistoryLimit', 10);
      setDefault(spec, 'progressDeadlineSeconds', 600);
      const strategy = ensureObject(spec, 'strategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy.type === 'RollingUpdate') {
        const rolling = ensureObject(strategy, 'rollingUpdate');
        setDefault(rolling, 'maxUnavailable', '25%');
        setDefault(rolling, 'maxSurge', '25%');
      }
      defaultPodTemplate(spec, 'Always');
      break;
    }
    case 'apps/statefulsets': {
      const spec = ensureObject(obj, 'spec');
      setDefault(spec, 'replicas', 1);
      setDefault(spec, 'podManagementPolicy', 'OrderedReady');
      setDefault(spec, 'revisionHistoryLimit', 10);
      const strategy = ensureObject(spec, 'updateStrategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy.type === 'RollingUpdate')
        setDefault(ensureObject(strategy, 'rollingUpdate'), 'partition', 0);
      setDefault(spec, 'persistentVolumeClaimRetentionPolicy', {
        whenDeleted: 'Retain',
        whenScaled: 'Retain',
      });
      defaultPodTemplate(spec, 'Always');
      break;
    }
    case 'apps/daemonsets': {
      const spec = ensureObject(obj, 'spec');
      setDefault(spec, 'revisionHistoryLimit', 10);
      const strategy = ensureObject(spec, 'updateStrategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy.type === 'RollingUpdate') {
        const rolling = ensureObject(strategy, 'rollingUpdate');
        setDefault(rolling, 'maxUnavailable', 1);
        setDefault(rolling, 'maxSurge', 0);
      }
      defaultPodTemplate(spec, 'Always');
      break;
    }
    case 'batch/jobs': {
      const spec = ensureObject(obj, 'spec');
      setDefault(spec, 'parallelism', 1);
      setDefault(spec, 'completions', 1);
      setDefault(spec, 'backoffLimit', 6);
      setDefault(spec, 'completionMode', 'NonIndexed');
      setDefault(spec, 'suspend', false);
      setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
      if (creating && spec.manualSelector !== true && typeof meta.uid === 'string') {
        // batch/v1 PrepareForCreate: a generated selector keyed by the Job's uid, stamped on the template.
        const uid = meta.uid;
        spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
        const template = ensureObject(spec, 'template');
        const labels = ensureObject(ensureObject(template, 'metadata'), 'labels');
        labels['batch.kubernetes.io/controller-uid'] = uid;
        labels['batch.kubernetes.io/job-name'] = String(meta.name);
        labels['controller-uid'] = uid;
        labels['job-name'] = String(meta.name);
      }
      defaultPodTemplate(spec, undefined);
      break;
    }
    case 'batch/cronjobs': {
      const spec = ensureObject(obj, 'spec');
      setDefault(spec, 'concurrencyPolicy', 'Allow');
      setDefault(spec, 'suspend', false);
      setDefault(spec, 'successfulJobsHistoryLimit', 3);
      setDefault(spec, 'failedJobsHistoryLimit', 1);
      break;
    }
    case '/services':
      defaultService(obj, creating);
      break;
    case '/persistentvolumeclaims': {
      setDefault(ensureObject(obj, 'spec'), 'volumeMode', 'Filesystem');
      if (creating) setDefault(ensureObject(obj, 'status'), 'phase', 'Pending');
      break;
    }
    case '/pods': {
      defaultPodSpec(ensureObject(obj, 'spec'), 'Always');
      if (creating) setDefault(ensureObject(obj, 'status'), 'phase', 'Pending');
      break;
    }
    case '/secrets':
      setDefault(obj, 'type', 'Opaque');
      break;
    case '/namespaces': {
      setDefault(ensureObject(obj, 'spec'), 'finalizers', ['kubernetes']);
      if (creating) setDefault(ensureObject(obj, 'status'), 'phase', 'Active');
      ensureObject(meta, 'labels')['kubernetes.io/metadata.name'] = String(meta.name);
      break;
    }
    case 'events':
      setDefault(obj, 'reportingComponent', '');
      setDefault(obj, 'reportingInstance', '');
      break;
    case 'apiextensions.k8s.io/customresourcedefinitions': {
      const spec = ensureObject(obj, 'spec');
      const names = ensureObject(spec, 'names');
      if (typeof names.kind === 'string') {
        setDefault(names, 'singular', names.kind.toLowerCase());
        setDefault(names, 'listKind', `${names.kind}List`);
      }
      setDefault(spec, 'conversion', { strategy: 'None' });
      break;
    }
  }
}
