// Rules the API server and kubelet apply to built-in objects, checked on rendered output: names, labels,
// Deployment selectors, named ports, volume references and the references between the objects.
import type { KubernetesObject } from '@kubernetes/client-node';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

type Any = Record<string, any>;

export function builtinProblems(objects: readonly KubernetesObject[]): string[] {
  const problems: string[] = [];
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind) as Any[];
  const has = (kind: string, name: string) => byKind(kind).some((o) => o.metadata.name === name);

  for (const o of objects as Any[]) {
    const id = `${o.kind}/${o.metadata?.name}`;
    const fail = (m: string) => problems.push(`${id}: ${m}`);
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string')
      fail('apiVersion and kind are required');
    const name = o.metadata?.name;
    if (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN.test(name))
      fail(`invalid metadata.name ${name}`);
    if (o.kind === 'Service' && !(DNS_LABEL_1035.test(name) && name.length <= 63))
      fail('a Service name must be a DNS-1035 label');
    for (const [k, v] of Object.entries(o.metadata?.labels ?? {}))
      if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
        fail(`invalid label ${k}=${String(v)}`);
    const owners = (o.metadata?.ownerReferences ?? []) as Any[];
    if (owners.filter((r) => r.controller).length > 1) fail('has more than one controller owner reference');
    for (const r of owners)
      for (const k of ['apiVersion', 'kind', 'name', 'uid']) if (!r[k]) fail(`owner reference without ${k}`);
  }

  for (const d of byKind('Deployment')) {
    const fail = (m: string) => problems.push(`Deployment/${d.metadata.name}: ${m}`);
    const labels = d.spec?.template?.metadata?.labels ?? {};
    const selector = d.spec?.selector?.matchLabels ?? {};
    if (Object.keys(selector).length === 0) fail('empty selector');
    for (const [k, v] of Object.entries(selector))
      if (labels[k] !== v) fail(`selector ${k}=${String(v)} does not match the pod labels`);
    const pod = d.spec.template.spec as Any;
    const volumes = new Map<string, Any>(((pod.volumes ?? []) as Any[]).map((v) => [v.name, v]));
    if (volumes.size !== (pod.volumes ?? []).length) fail('duplicate volume names');
    if (pod.serviceAccountName && !has('ServiceAccount', pod.serviceAccountName))
      fail(`serviceAccountName ${pod.serviceAccountName} is not rendered`);
    for (const v of volumes.values()) {
      if (v.configMap && !has('ConfigMap', v.configMap.name))
        fail(`volume ${v.name} names ConfigMap ${v.configMap.name}, not rendered`);
      if (v.persistentVolumeClaim && !has('PersistentVolumeClaim', v.persistentVolumeClaim.claimName))
        fail(`volume ${v.name} names claim ${v.persistentVolumeClaim.claimName}, not rendered`);
      if (v.secret && !v.secret.secretName) fail(`volume ${v.name} has no secretName`);
    }
    for (const c of (pod.containers ?? []) as Any[]) {
      if (!c.name || !c.image) fail('a container needs a name and an image');
      const ports = new Set(((c.ports ?? []) as Any[]).map((p) => p.name));
      for (const p of (c.ports ?? []) as Any[])
        if (typeof p.name !== 'string' || p.name.length > 15 || !PORT_NAME.test(p.name))
          fail(`container port ${p.containerPort} needs a valid name`);
      const paths = new Set<string>();
      for (const m of (c.volumeMounts ?? []) as Any[]) {
        if (!volumes.has(m.name)) fail(`volumeMount ${m.mountPath} names no volume ${m.name}`);
        if (paths.has(m.mountPath)) fail(`two mounts at ${m.mountPath}`);
        paths.add(m.mountPath);
      }
      for (const e of (c.env ?? []) as Any[]) if (!ENV_NAME.test(e.name)) fail(`invalid env name ${e.name}`);
      for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
        const port = probe?.httpGet?.port;
        if (typeof port === 'string' && !ports.has(port))
          fail(`probe port ${port} is not a named container port`);
      }
    }
  }

  const podLabels = byKind('Deployment').map(
    (d) => d.spec.template.metadata.labels as Record<string, string>,
  );
  const portNames = new Set(
    byKind('Deployment').flatMap((d) =>
      (d.spec.template.spec.containers as Any[]).flatMap((c) =>
        ((c.ports ?? []) as Any[]).map((p) => p.name),
      ),
    ),
  );
  for (const s of byKind('Service')) {
    const fail = (m: string) => problems.push(`Service/${s.metadata.name}: ${m}`);
    const selector = (s.spec?.selector ?? {}) as Record<string, string>;
    if (!podLabels.some((l) => Object.entries(selector).every(([k, v]) => l[k] === v)))
      fail('selects no rendered pod');
    for (const p of (s.spec?.ports ?? []) as Any[]) {
      if (!p.name) fail(`port ${p.port} needs a name`);
      if (typeof p.targetPort === 'string' && !portNames.has(p.targetPort))
        fail(`targetPort ${p.targetPort} is no container port`);
    }
  }
  for (const b of byKind('RoleBinding')) {
    const fail = (m: string) => problems.push(`RoleBinding/${b.metadata.name}: ${m}`);
    if (b.roleRef?.kind !== 'Role' || !has('Role', b.roleRef.name))
      fail(`roleRef ${b.roleRef?.name} is not a rendered Role`);
    for (const s of (b.subjects ?? []) as Any[])
      if (s.kind === 'ServiceAccount' && !has('ServiceAccount', s.name))
        fail(`subject ${s.name} is not rendered`);
  }
  for (const r of byKind('Role'))
    for (const rule of (r.rules ?? []) as Any[])
      if (!rule.verbs?.length || !rule.resources?.length)
        problems.push(`Role/${r.metadata.name}: a rule needs verbs and resources`);
  return problems;
}
