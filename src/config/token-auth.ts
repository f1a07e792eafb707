/**
 * Compiles `tokenAuth` and the `appIds` of tenants and customers (docs/operations.md "Entra ID
 * tenant auth"): the trusted issuers as the token verifier reads them, and one map from app id to
 * the agency its tokens identify. An app id names exactly one tenant or customer; a second listing
 * is a config error naming both places, as for key hashes.
 */
import type { GatewayConfigFile } from "./schema.js";

/** One trusted issuer of access tokens. */
export interface RuntimeTokenIssuer {
  /** The exact `iss` its tokens carry. */
  issuer: string;
  /** Accepted `aud` values (any one). */
  audiences: readonly string[];
  /** Where its signing keys are; null: from OIDC discovery of `issuer`. */
  jwksUri: string | null;
  clockToleranceSeconds: number;
}

/** `tokenAuth` as the runtime reads it. */
export interface RuntimeTokenAuth {
  issuers: readonly RuntimeTokenIssuer[];
  /** Shortest time between two fetches of one key set (an unknown `kid` triggers a fetch). */
  keysCooldownMs: number;
  /** How long fetched keys are used before they are fetched again. */
  keysMaxAgeMs: number;
}

/** The agency an app id's tokens identify. */
export interface AppOwner {
  tenantId: string;
  customerId?: string;
}

/** Clock skew allowed on `exp` and `nbf` when an issuer sets none. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 60;

/** `tokenAuth`, or null when tokens are not accepted (a JWT is then an unknown key). */
export function compileTokenAuth(
  cfg: GatewayConfigFile,
  problems: string[],
): RuntimeTokenAuth | null {
  const t = cfg.tokenAuth;
  if (t === undefined) return null;
  const seen = new Set<string>();
  const issuers = t.issuers.map((i, n) => {
    if (seen.has(i.issuer)) {
      problems.push(`/tokenAuth/issuers/${n}/issuer: issuer \`${i.issuer}\` is listed twice`);
    }
    seen.add(i.issuer);
    return {
      issuer: i.issuer,
      audiences: typeof i.audience === "string" ? [i.audience] : [...i.audience],
      jwksUri: i.jwksUri ?? null,
      clockToleranceSeconds: i.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
    };
  });
  return {
    issuers,
    keysCooldownMs: t.keysCooldownSeconds * 1000,
    keysMaxAgeMs: t.keysMaxAgeSeconds * 1000,
  };
}

/**
 * Every app id of the tenants and customers, lower-cased, with its agency. A duplicate, or app ids
 * without `tokenAuth` (they could never be used), is a problem.
 */
export function compileAppIds(cfg: GatewayConfigFile, problems: string[]): Map<string, AppOwner> {
  const apps = new Map<string, AppOwner>();
  const where = new Map<string, string>();
  const add = (appId: string, at: string, owner: AppOwner) => {
    const id = appId.toLowerCase();
    const first = where.get(id);
    if (first !== undefined) {
      problems.push(
        `${at}: app id \`${appId}\` is already used by ${first}: an app identifies one agency`,
      );
      return;
    }
    const who =
      owner.customerId === undefined
        ? `tenant \`${owner.tenantId}\``
        : `customer \`${owner.customerId}\``;
    where.set(id, `${who} (${at})`);
    apps.set(id, owner);
  };
  cfg.tenants.forEach((t, i) => {
    (t.appIds ?? []).forEach((a, j) => {
      add(a, `/tenants/${i}/appIds/${j}`, { tenantId: t.id });
    });
    (t.customers ?? []).forEach((c, j) => {
      (c.appIds ?? []).forEach((a, n) => {
        add(a, `/tenants/${i}/customers/${j}/appIds/${n}`, { tenantId: t.id, customerId: c.id });
      });
    });
  });
  if (apps.size > 0 && cfg.tokenAuth === undefined) {
    problems.push(
      "/tokenAuth: tenants list `appIds` but no token issuer is trusted: add `tokenAuth.issuers`",
    );
  }
  return apps;
}
