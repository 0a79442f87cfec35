// Access tokens: JWT-shaped (unsigned, the simulator only looks them up) so collectors that peek at
// `exp` or `tid` work; validity is decided by the issuer's own table, not by the token text.

import { randomBytes, randomUUID } from 'node:crypto';

export interface IssuedToken {
  readonly accessToken: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly audience: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export type TokenCheck =
  | { readonly valid: true; readonly token: IssuedToken }
  | { readonly valid: false; readonly reason: 'missing' | 'unknown' | 'expired' | 'revoked' };

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export class TokenIssuer {
  readonly #tokens = new Map<string, IssuedToken & { revoked: boolean }>();
  /** Application roles the `roles` claim lists (the API's permissions granted to the app). */
  readonly #roles: readonly string[];

  constructor(roles: readonly string[]) {
    this.#roles = roles;
  }

  issue(
    tenantId: string,
    appId: string,
    audience: string,
    now: number,
    lifetimeSeconds: number,
  ): IssuedToken {
    const iat = Math.floor(now / 1000);
    const exp = iat + lifetimeSeconds;
    const header = { typ: 'JWT', alg: 'RS256', x5t: 'sim-entra', kid: 'sim-entra' };
    const claims = {
      aud: audience,
      iss: `https://sts.windows.net/${tenantId}/`,
      iat,
      nbf: iat - 300,
      exp,
      app_displayname: 'Devo collector (simulated)',
      appid: appId,
      appidacr: '1',
      idp: `https://sts.windows.net/${tenantId}/`,
      idtyp: 'app',
      oid: randomUUID(),
      roles: this.#roles,
      sub: randomUUID(),
      tid: tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
    };
    const accessToken = `${b64(header)}.${b64(claims)}.${randomBytes(32).toString('base64url')}`;
    const token = { accessToken, tenantId, appId, audience, issuedAt: now, expiresAt: exp * 1000 };
    this.#tokens.set(accessToken, { ...token, revoked: false });
    return token;
  }

  /** Checks an `Authorization` header value. */
  check(authorization: string | undefined, now: number): TokenCheck {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (m === null) return { valid: false, reason: 'missing' };
    const token = this.#tokens.get(m[1] ?? '');
    if (token === undefined) return { valid: false, reason: 'unknown' };
    if (token.revoked) return { valid: false, reason: 'revoked' };
    if (now >= token.expiresAt) return { valid: false, reason: 'expired' };
    return { valid: true, token };
  }

  /** Every token issued so far stops working (simulates expiry in the middle of paging). */
  revokeAll(): void {
    for (const token of this.#tokens.values()) token.revoked = true;
  }
}
