// `validate --check-credentials`: one token request per distinct credential set and token target of
// the enabled inputs, reporting success (and the token's lifetime) or the identity platform's exact
// reason. It reads no state, calls no API beyond the token endpoints, and connects to no output.
import type { RuntimeConfig } from '../config/runtime-config.ts';
import type { InputDefinition } from '../inputs/definition.ts';
import { requestToken, type ClientCredentials } from '../core/http/oauth-client-credentials.ts';
import { errorMessage } from '../core/errors.ts';

export interface CredentialCheck {
  input: string;
  id: string;
  tokenUrl: string;
  /** `scope …` (v2 endpoints) or `resource …` (v1). */
  target: string;
  ok: boolean;
  expiresInSeconds?: number;
  /** The AADSTS error number, when the identity platform gave one. */
  aadsts?: number;
  error?: string;
}

function describeTarget(t: ClientCredentials['target']): string {
  return 'scope' in t ? `scope ${t.scope}` : `resource ${t.resource}`;
}

export async function checkCredentials(
  config: RuntimeConfig,
  registry: ReadonlyMap<string, InputDefinition>,
): Promise<CredentialCheck[]> {
  const pending: Promise<CredentialCheck>[] = [];
  const seen = new Set<string>();
  for (const input of config.inputs) {
    const def = registry.get(input.name);
    if (!def?.tokenRequests || input.services.length === 0) continue;
    for (const creds of def.tokenRequests(input.config, input.services)) {
      const key = `${input.name}|${input.config.id}|${creds.tokenUrl}|${creds.clientId}|${JSON.stringify(creds.target)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const base = {
        input: input.name,
        id: input.config.id,
        tokenUrl: creds.tokenUrl,
        target: describeTarget(creds.target),
      };
      pending.push(
        requestToken(creds).then(
          (t) => ({ ...base, ok: true, expiresInSeconds: t.expiresInSeconds }),
          (err: unknown) => {
            const message = errorMessage(err).replace(
              `Failed to fetch OAuth token from ${creds.tokenUrl}: `,
              '',
            );
            const code = /AADSTS(\d+)/.exec(message)?.[1];
            return { ...base, ok: false, error: message, ...(code ? { aadsts: Number(code) } : {}) };
          },
        ),
      );
    }
  }
  return Promise.all(pending);
}

export function credentialLine(c: CredentialCheck): string {
  const what = `${c.input} (id ${c.id}): ${c.tokenUrl} (${c.target})`;
  return c.ok
    ? `credentials ok: ${what}: token obtained, expires in ${c.expiresInSeconds} s\n`
    : `credentials FAILED: ${what}: ${c.error}\n`;
}
