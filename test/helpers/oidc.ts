/**
 * A local OpenID Connect issuer for tests: discovery documents and JWKS served over node:http on
 * a port from the OS, with keys generated in the test (`jose`), so token auth is tested against a
 * real key fetch, a real rotation and real signatures, with no network.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

/** A signing key of the test issuer. */
export interface TestKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: CryptoKey;
  jwk: JWK;
}

/** Generates a key pair whose public half is served as a JWK with `kid` and `alg`. */
export async function makeKey(kid: string, alg: "RS256" | "ES256" = "RS256"): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, jwk };
}

/** A running test issuer. */
export interface TestIssuer {
  /** The issuer URL of tenant `name` (`<origin>/<name>/v2.0`, Entra's v2 shape). */
  issuer(name: string): string;
  /** The key set's URL of tenant `name`, as its discovery document names it. */
  jwksUri(name: string): string;
  /** Replaces the keys served (a key rotation). */
  serveKeys(keys: TestKey[]): void;
  /** How many times the key set was fetched. */
  jwksFetches(): number;
  close(): Promise<void>;
}

/** Starts the issuer; every tenant path serves discovery and the same key set. */
export async function startTestIssuer(keys: TestKey[]): Promise<TestIssuer> {
  let served = keys;
  let fetches = 0;
  let origin = "";
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
    const send = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (discovery) {
      const name = discovery[1]!;
      send({
        issuer: `${origin}/${name}/v2.0`,
        jwks_uri: `${origin}/${name}/discovery/v2.0/keys`,
        id_token_signing_alg_values_supported: ["RS256"],
      });
    } else if (/^\/[^/]+\/discovery\/v2\.0\/keys$/.test(path)) {
      fetches++;
      send({ keys: served.map((k) => k.jwk) });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: (name) => `${origin}/${name}/v2.0`,
    jwksUri: (name) => `${origin}/${name}/discovery/v2.0/keys`,
    serveKeys: (k) => {
      served = k;
    },
    jwksFetches: () => fetches,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The claims of a test token; `exp`/`nbf`/`iat` in seconds since the epoch. */
export interface TestClaims {
  iss: string;
  aud: string;
  azp?: string;
  appid?: string;
  exp?: number;
  nbf?: number;
  ver?: "1.0" | "2.0";
}

/** Signs an access token with `key`, valid for 10 minutes unless `exp` says otherwise. */
export async function signToken(key: TestKey, claims: TestClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { iss, aud, exp, nbf, ...rest } = claims;
  const jwt = new SignJWT({ ver: "2.0", ...rest })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
    .setIssuer(iss)
    .setAudience(aud)
    .setIssuedAt(now - 5)
    .setExpirationTime(exp ?? now + 600);
  if (nbf !== undefined) jwt.setNotBefore(nbf);
  return jwt.sign(key.privateKey);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** An unsigned token (`alg: none`), as an attacker would forge one. */
export function unsignedToken(claims: TestClaims): string {
  const now = Math.floor(Date.now() / 1000);
  return `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ exp: now + 600, ...claims })}.`;
}

/** `token` with its payload changed (`change` applied) and the original signature kept. */
export function tamperedToken(token: string, change: (claims: Record<string, unknown>) => void) {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
  change(claims);
  return `${header}.${b64url(claims)}.${signature}`;
}
