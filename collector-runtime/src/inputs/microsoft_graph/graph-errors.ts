// Graph API errors a user can act on: what they mean and what to do.
import { ApiError, CollectorError } from '../../core/errors.ts';

/** The start of the retained history when Graph refused a filter as too old ("Minimum allowed time for … is …"). */
export function retentionStart(err: unknown): number | undefined {
  if (!(err instanceof ApiError) || err.status !== 400) return undefined;
  const m = /Minimum allowed time for \w+ is (\d{4}-\d{2}-\d{2}T[\d:.]+Z?)/i.exec(err.body);
  const t = m ? Date.parse(m[1]!.endsWith('Z') ? m[1]! : `${m[1]}Z`) : NaN;
  // A minute of slack: the retention edge moves forward while we ask again.
  return Number.isNaN(t) ? undefined : t + 60_000;
}

/** Turns API errors users can fix into messages that say how. */
export function explain(err: unknown, service: string): unknown {
  if (!(err instanceof ApiError)) return err;
  if (err.status === 403 && /RequestFromNonPremiumTenantOrB2CTenant|premium|license|licence/i.test(err.body))
    return new CollectorError(
      'CR_ERR_API',
      `${service}: the tenant has no Microsoft Entra ID P1 or P2 licence, which the sign-in logs API requires (HTTP 403 from ${err.endpoint}); disable this service or license the tenant`,
      { cause: err },
    );
  if (err.status === 403)
    return new CollectorError(
      'CR_ERR_API',
      `${service}: permission denied by Graph (HTTP 403 from ${err.endpoint}); grant the application the API permission this service needs (AuditLog.Read.All, SecurityEvents.Read.All or SecurityAlert.Read.All) with admin consent`,
      { cause: err },
    );
  return err;
}
