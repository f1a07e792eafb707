/**
 * Admin access (docs/operations.md "Admin access"): the bearer token that guards the dashboard,
 * its API and `/metrics`, and the start-up rule that refuses an open admin port beyond loopback.
 * Probes (`/healthz`, `/readyz`) stay open: a kubelet cannot read a secret.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { isLoopbackHost } from "../config/addresses.js";

/** What `admin.token` compiles to: a token, none, or an explicit opt-out (`none`). */
export type AdminToken = { kind: "token"; digest: string } | { kind: "none"; optedOut: boolean };

/** Shortest accepted token: a guessable one would be worse than none, since it looks safe. */
export const MIN_TOKEN_LENGTH = 16;

const digestOf = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * Compiles `admin.token`: absent or empty (an unset `${ENV:-}`) is no token, `none` opts out
 * knowingly; anything else is a token, kept only as its SHA-256 (hex). Returns a problem when too short.
 */
export function compileAdminToken(value: string | undefined): AdminToken | string {
  if (value === undefined || value === "") return { kind: "none", optedOut: false };
  if (value === "none") return { kind: "none", optedOut: true };
  if (value.length < MIN_TOKEN_LENGTH) {
    return `/admin/token: at least ${MIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 32\`), or \`none\``;
  }
  return { kind: "token", digest: digestOf(value).toString("hex") };
}

/**
 * The refusal for an admin listener beyond loopback with no token and no explicit opt-out, or null.
 * `/metrics` and the dashboard list every tenant's decisions: not for anyone on the network.
 */
export function openAdminProblem(host: string, token: AdminToken): string | null {
  if (token.kind === "token" || token.optedOut || isLoopbackHost(host)) return null;
  return (
    `/admin/token: the admin listener binds \`${host}\`, beyond this machine, without a token: ` +
    "set `admin.token` (e.g. `$" +
    "{GATEWAY_ADMIN_TOKEN}`), bind `admin.host` to 127.0.0.1, or " +
    "write `token: none` to accept an open admin port"
  );
}

/** Paths any caller may read: the probes. */
const OPEN_PATHS = new Set(["/healthz", "/readyz"]);

/**
 * The token a request presents: `Bearer <token>` (API clients, Prometheus), or the password of
 * `Basic` (a browser's own prompt, which it then sends with every request of the dashboard).
 */
export function presentedToken(authorization: string | undefined): string | null {
  const match = /^(Bearer|Basic)[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
  if (match === null) return null;
  if (match[1]!.toLowerCase() === "bearer") return match[2]!;
  const decoded = Buffer.from(match[2]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : decoded.slice(colon + 1);
}

/**
 * Whether a request to `path` with this `Authorization` header may pass. The presented token is
 * hashed so the comparison is constant-time and of fixed length, whatever was sent.
 */
export function adminAllowed(
  token: AdminToken,
  path: string,
  authorization: string | undefined,
): boolean {
  if (token.kind === "none" || OPEN_PATHS.has(path)) return true;
  const presented = presentedToken(authorization);
  if (presented === null) return false;
  return timingSafeEqual(digestOf(presented), Buffer.from(token.digest, "hex"));
}

/** The challenge of a refused request: a browser prompt for the dashboard's pages, else Bearer. */
export function adminChallenge(path: string): string {
  const realm = 'realm="policy-gateway admin"';
  return path.startsWith("/api/") || path === "/metrics"
    ? `Bearer ${realm}`
    : `Basic ${realm}, charset="UTF-8"`;
}
