/**
 * Verification of tenants' Entra ID / OIDC access tokens (docs/operations.md "Entra ID tenant
 * auth") with `jose`: signature by a key of a trusted issuer, `iss`, `aud`, `exp` and `nbf` (with
 * the issuer's clock tolerance), RS256 or ES256 only (never `none` nor a shared-secret HS*), then
 * the application id (`azp` of v2 tokens, `appid` of v1) that the config maps to an agency. Every
 * refusal names the check that failed and never echoes the token.
 */
import { decodeJwt, decodeProtectedHeader, errors as jose, jwtVerify } from "jose";
import type { RuntimeTokenAuth } from "../../config/index.js";
import type { IssuerKeys } from "./issuer-keys.js";
import { IssuerKeysUnavailable } from "./issuer-keys.js";

/** The only signature algorithms accepted: Entra signs with RS256; ES256 for other OIDC issuers. */
export const TOKEN_ALGORITHMS: readonly string[] = Object.freeze(["RS256", "ES256"]);

/** A refused token; `reason` is safe to answer (no token, no secret). */
export class TokenRejected extends Error {
  override name = "TokenRejected";
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

/**
 * Whether a bearer value is a JWS compact JWT (`eyJ…` header, three base64url parts, the last
 * possibly empty as in `alg: none`): those go to token auth, anything else is a gateway key.
 */
export function looksLikeJwt(value: string): boolean {
  return /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A claim value fit to quote in an answer: printable, short. */
function quote(value: unknown, max = 120): string {
  const text = String(value).replace(/[^\x21-\x7e]/g, "?");
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The reason a `jose` failure gives the client. */
function reasonOf(err: unknown): string {
  if (err instanceof TokenRejected) return err.reason;
  if (err instanceof jose.JWTExpired) return "the token has expired (`exp`)";
  if (err instanceof jose.JWTClaimValidationFailed) {
    if (err.claim === "aud") return "wrong audience: the token is not for this gateway (`aud`)";
    if (err.claim === "nbf") return "the token is not valid yet (`nbf`)";
    if (err.claim === "iss") return "unknown issuer (`iss`)";
    if (err.claim === "exp") return "the token has no expiry (`exp`)";
    return `claim \`${quote(err.claim, 32)}\` failed its check`;
  }
  if (err instanceof jose.JOSEAlgNotAllowed) {
    return `algorithm not accepted (only ${TOKEN_ALGORITHMS.join(", ")})`;
  }
  if (err instanceof jose.JWSSignatureVerificationFailed) {
    return "the signature does not verify (tampered, or not signed by the issuer)";
  }
  if (err instanceof jose.JWKSNoMatchingKey || err instanceof jose.JWKSMultipleMatchingKeys) {
    return "no signing key of the issuer matches the token (`kid`)";
  }
  if (
    err instanceof IssuerKeysUnavailable ||
    err instanceof jose.JWKSTimeout ||
    err instanceof jose.JWKSInvalid
  ) {
    return "the issuer's signing keys could not be fetched; try again later";
  }
  if (err instanceof jose.JWSInvalid || err instanceof jose.JWTInvalid) {
    return "not a well-formed JWT";
  }
  return "the token could not be verified";
}

/**
 * Whether a refusal came from the issuer's keys being out of reach (the operator's problem, not
 * the caller's): worth a line in the operational log.
 */
export function keysUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof IssuerKeysUnavailable) return true;
  }
  return false;
}

/** What a verified token proves: the application that obtained it. */
export interface VerifiedToken {
  /** `azp` (v2) or `appid` (v1), lower-case. */
  appId: string;
  issuer: string;
}

/**
 * Verifies `token` against the trusted issuers; rejects with {@link TokenRejected}. The issuer is
 * chosen by the (not yet verified) `iss`, whose keys then verify the token and every claim.
 */
export async function verifyAccessToken(
  token: string,
  auth: RuntimeTokenAuth,
  keys: IssuerKeys,
): Promise<VerifiedToken> {
  let iss: unknown;
  try {
    const { alg } = decodeProtectedHeader(token);
    if (typeof alg !== "string" || !TOKEN_ALGORITHMS.includes(alg)) {
      throw new TokenRejected(
        `algorithm \`${quote(alg, 16)}\` not accepted (only ${TOKEN_ALGORITHMS.join(", ")})`,
      );
    }
    iss = decodeJwt(token).iss;
  } catch (err) {
    throw new TokenRejected(reasonOf(err));
  }
  const issuer = auth.issuers.find((i) => i.issuer === iss);
  if (issuer === undefined) {
    throw new TokenRejected(
      iss === undefined ? "the token names no issuer (`iss`)" : `unknown issuer \`${quote(iss)}\``,
    );
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keys.resolverFor(issuer, auth), {
      issuer: issuer.issuer,
      audience: [...issuer.audiences],
      algorithms: [...TOKEN_ALGORITHMS],
      clockTolerance: issuer.clockToleranceSeconds,
      requiredClaims: ["exp"],
    }));
  } catch (err) {
    throw new TokenRejected(reasonOf(err), { cause: err });
  }
  const app = payload.azp ?? payload.appid;
  if (typeof app !== "string" || !GUID.test(app)) {
    throw new TokenRejected("the token names no application id (`azp` or `appid`)");
  }
  return { appId: app.toLowerCase(), issuer: issuer.issuer };
}
