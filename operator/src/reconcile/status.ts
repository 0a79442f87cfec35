// Pure helpers that turn what the render found into the conditions it owns (ConfigValid, SecretsFound),
// with messages a person can act on: the Secret and key that is missing, the resource and field that is
// wrong. Never a secret value: reconcile never sees one, and the runtime's validator masks secret settings.
// Ready, Progressing and StateReset depend on the cluster and belong to controller/.
import { CONDITION, REASON } from '../api/conditions.ts';
import type { Condition } from './contract.ts';
import { formatProblem, type FieldProblem } from './field-problem.ts';
import type { SecretProblem } from './secret-layout.ts';

/** metav1.Condition allows 32 KiB; a screenful is what people read. */
const MAX_MESSAGE = 4000;

export function secretsFoundCondition(
  problems: readonly SecretProblem[],
  namespace: string | undefined,
): Condition {
  if (problems.length === 0)
    return condition(
      CONDITION.secretsFound,
      'True',
      REASON.secretsFound,
      'The credentials and certificate Secrets hold every key',
    );
  const reason = problems.some((p) => p.missingKeys === undefined)
    ? REASON.secretNotFound
    : REASON.secretKeyMissing;
  const where = namespace ? ` in namespace ${namespace}` : '';
  const lines = problems.map((p) =>
    p.missingKeys === undefined
      ? `Secret ${p.secret} (${p.field}) not found${where}: create it with ${p.expected}`
      : `Secret ${p.secret} (${p.field}) has no key ${p.missingKeys.join(', ')}: it must hold ${p.expected}`,
  );
  return condition(
    CONDITION.secretsFound,
    'False',
    reason,
    `${lines.join('; ')}. The collector is not started until then`,
  );
}

export interface ConfigFindings {
  /** Broken CRD rules (an API server without CEL validation admitted the resource). */
  ruleErrors: readonly FieldProblem[];
  /** Every error, rule errors included. */
  errors: readonly FieldProblem[];
  warnings: readonly FieldProblem[];
}

export function configValidCondition(findings: ConfigFindings, serviceCount: number): Condition {
  const { ruleErrors, errors, warnings } = findings;
  if (ruleErrors.length > 0)
    return condition(
      CONDITION.configValid,
      'False',
      REASON.crdRuleViolated,
      `${errors.map(formatProblem).join('; ')}. The CustomResourceDefinition forbids this but this API server does not enforce CEL validation rules (Kubernetes before 1.25), so the operator applies nothing until it is fixed (a running collector keeps its previous config)`,
    );
  if (errors.length > 0) {
    const noServices = serviceCount === 0;
    return condition(
      CONDITION.configValid,
      'False',
      noServices ? REASON.noServices : REASON.configInvalid,
      `${errors.map(formatProblem).join('; ')}. The running collector (if any) keeps its previous config`,
    );
  }
  const note = warnings.length > 0 ? `; warnings: ${warnings.map(formatProblem).join('; ')}` : '';
  return condition(
    CONDITION.configValid,
    'True',
    REASON.configValid,
    `config.yaml for ${serviceCount} service${serviceCount === 1 ? '' : 's'} passed the collector runtime's validation${note}`,
  );
}

/** Problems grouped by Service name (for each Service's own status). */
export function problemsByService(problems: readonly FieldProblem[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of problems) if (p.kind === 'Service') (out[p.name] ??= []).push(formatProblem(p));
  return out;
}

function condition(
  type: Condition['type'],
  status: Condition['status'],
  reason: string,
  message: string,
): Condition {
  return {
    type,
    status,
    reason,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
  };
}
