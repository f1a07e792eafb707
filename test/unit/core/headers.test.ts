/**
 * Header hygiene as one table, in the style of Envoy AI Gateway's data-plane tests: for each
 * request, what must reach upstream and what must NOT.
 */

import { readFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  clientResponseHeaders,
  STRIPPED_REQUEST_HEADERS,
  STRIPPED_REQUEST_PREFIXES,
  strippedBecause,
  upstreamRequestHeaders,
} from "../../../src/pipeline/forward/headers.js";

const DECISION_ID = "dec-0123456789";
const API_KEY_CREDS = { "api-key": "azure-upstream-secret" };
const ENTRA_CREDS = { authorization: "Bearer entra-token" };

interface RequestCase {
  name: string;
  incoming: IncomingHttpHeaders;
  credentials?: Record<string, string>;
  bodyLength?: number;
  /** Headers that must arrive upstream with exactly these values. */
  expected: Record<string, string | string[]>;
  /** Headers that must not arrive upstream at all. */
  absent: string[];
}

const requestCases: RequestCase[] = [
  {
    name: "the tenant's api-key is replaced by the upstream's",
    incoming: { "api-key": "tenant-key", "content-type": "application/json" },
    expected: { "api-key": "azure-upstream-secret", "content-type": "application/json" },
    absent: ["authorization"],
  },
  {
    name: "the tenant's Bearer key never reaches an api-key upstream",
    incoming: { authorization: "Bearer tenant-key" },
    expected: { "api-key": "azure-upstream-secret" },
    absent: ["authorization"],
  },
  {
    name: "an Entra ID upstream gets the gateway's token, not the tenant's api-key",
    incoming: { "api-key": "tenant-key", authorization: "Bearer tenant-key" },
    credentials: ENTRA_CREDS,
    expected: { authorization: "Bearer entra-token" },
    absent: ["api-key"],
  },
  {
    name: "every x-gateway-* declaration stays at the gateway",
    incoming: {
      "x-gateway-camera-source": "fixed",
      "x-gateway-environment": "controlled",
      "x-gateway-capture": "recorded",
      "x-gateway-camera-id": "cam-1",
      "x-gateway-purpose": "text-extraction",
      "x-gateway-on-behalf-of": "city-pd",
      "x-gateway-decision": "allow",
      "x-gateway-anything-new": "1",
      "x-gatewayish": "kept",
    },
    expected: { "x-gatewayish": "kept" },
    absent: [
      "x-gateway-camera-source",
      "x-gateway-environment",
      "x-gateway-capture",
      "x-gateway-camera-id",
      "x-gateway-purpose",
      "x-gateway-on-behalf-of",
      "x-gateway-decision",
      "x-gateway-anything-new",
    ],
  },
  {
    name: "hop-by-hop headers (RFC 9110 section 7.6.1) are dropped",
    incoming: {
      connection: "keep-alive",
      "keep-alive": "timeout=5",
      "proxy-connection": "keep-alive",
      "proxy-authorization": "Basic eDp5",
      "proxy-authenticate": "Basic",
      te: "trailers",
      trailer: "x-checksum",
      "transfer-encoding": "chunked",
      upgrade: "websocket",
      accept: "application/json",
    },
    expected: { accept: "application/json" },
    absent: [
      "connection",
      "keep-alive",
      "proxy-connection",
      "proxy-authorization",
      "proxy-authenticate",
      "te",
      "trailer",
      "transfer-encoding",
      "upgrade",
    ],
  },
  {
    name: "headers named in Connection are dropped, case-insensitively",
    incoming: {
      connection: "close, X-Custom-Hop ,x-other-hop",
      "x-custom-hop": "1",
      "x-other-hop": "2",
      "x-end-to-end": "3",
    },
    expected: { "x-end-to-end": "3" },
    absent: ["connection", "x-custom-hop", "x-other-hop"],
  },
  {
    name: "headers named in repeated Connection headers are dropped",
    incoming: {
      connection: ["x-a", "x-b"] as unknown as string,
      "x-a": "1",
      "x-b": "2",
      "x-c": "3",
    },
    expected: { "x-c": "3" },
    absent: ["x-a", "x-b"],
  },
  {
    name: "host, forwarding headers and expect are the gateway's own business",
    incoming: {
      host: "gateway:8080",
      forwarded: "for=10.0.0.1",
      "x-forwarded-for": "10.0.0.1",
      "x-forwarded-host": "gateway",
      "x-forwarded-proto": "http",
      expect: "100-continue",
    },
    expected: {},
    absent: [
      "host",
      "forwarded",
      "x-forwarded-for",
      "x-forwarded-host",
      "x-forwarded-proto",
      "expect",
    ],
  },
  {
    name: "client-address headers set by proxies and CDNs in front never reach upstream",
    incoming: {
      "x-real-ip": "10.0.0.1",
      "true-client-ip": "10.0.0.2",
      "cf-connecting-ip": "10.0.0.3",
      "fastly-client-ip": "10.0.0.4",
      "x-client-ip": "10.0.0.5",
      "x-cluster-client-ip": "10.0.0.6",
      "x-original-forwarded-for": "10.0.0.7",
      "x-azure-clientip": "10.0.0.8",
      "x-azure-socketip": "10.0.0.9",
      "x-envoy-external-address": "10.0.0.10",
      "x-forwarded-port": "443",
      "x-forwarded-prefix": "/tenant-a",
      "x-forwarded-server": "edge-1",
      via: "1.1 corp-proxy.internal",
      "x-original-host": "gw.internal",
      "x-original-url": "/openai/x",
      "x-realip-lookalike": "kept",
    },
    expected: { "x-realip-lookalike": "kept" },
    absent: [
      "x-real-ip",
      "true-client-ip",
      "cf-connecting-ip",
      "fastly-client-ip",
      "x-client-ip",
      "x-cluster-client-ip",
      "x-original-forwarded-for",
      "x-azure-clientip",
      "x-azure-socketip",
      "x-envoy-external-address",
      "x-forwarded-port",
      "x-forwarded-prefix",
      "x-forwarded-server",
      "via",
      "x-original-host",
      "x-original-url",
    ],
  },
  {
    name: "credentials meant for the gateway or what is in front of it never reach upstream",
    incoming: {
      "ocp-apim-subscription-key": "tenant-key-apim",
      "x-api-key": "tenant-key-x",
      cookie: "session=tenant-key-cookie",
      "x-ms-client-principal": "eyJ0ZW5hbnQta2V5In0=",
      "x-ms-client-principal-id": "user-1",
      "x-ms-token-aad-access-token": "tenant-key-aad",
      "ocp-apim-trace": "true",
    },
    expected: { "ocp-apim-trace": "true" },
    absent: [
      "ocp-apim-subscription-key",
      "x-api-key",
      "cookie",
      "x-ms-client-principal",
      "x-ms-client-principal-id",
      "x-ms-token-aad-access-token",
    ],
  },
  {
    name: "a header named like an Object.prototype member is forwarded like any other",
    incoming: { constructor: "1", tostring: "3" },
    expected: { constructor: "1", tostring: "3" },
    absent: [],
  },
  {
    name: "content-length is recomputed from the body actually sent",
    incoming: { "content-length": "999", "content-type": "application/json" },
    bodyLength: 42,
    expected: { "content-length": "42" },
    absent: [],
  },
  {
    name: "a streamed body carries no stale content-length",
    incoming: { "content-length": "999", "content-type": "multipart/form-data; boundary=x" },
    expected: { "content-type": "multipart/form-data; boundary=x" },
    absent: ["content-length"],
  },
  {
    name: "accept-encoding is dropped so usage can be read from an identity-coded answer",
    incoming: { "accept-encoding": "gzip, br" },
    expected: {},
    absent: ["accept-encoding"],
  },
  {
    name: "x-ms-client-request-id is replaced by the decision id",
    incoming: { "x-ms-client-request-id": "client-chosen-id" },
    expected: { "x-ms-client-request-id": DECISION_ID },
    absent: [],
  },
  {
    name: "a client cannot override the upstream credentials",
    incoming: { "api-key": "azure-upstream-secret-guess" },
    expected: { "api-key": "azure-upstream-secret" },
    absent: [],
  },
  {
    name: "end-to-end headers pass through unchanged",
    incoming: {
      "content-type": "application/json",
      accept: "text/event-stream",
      "user-agent": "AzureOpenAI/JS 6.0",
      "x-stainless-lang": "js",
      "openai-beta": "assistants=v2",
      "x-ms-useragent": "sdk",
      "set-cookie": ["a=1", "b=2"],
    },
    expected: {
      "content-type": "application/json",
      accept: "text/event-stream",
      "user-agent": "AzureOpenAI/JS 6.0",
      "x-stainless-lang": "js",
      "openai-beta": "assistants=v2",
      "x-ms-useragent": "sdk",
      "set-cookie": ["a=1", "b=2"],
    },
    absent: [],
  },
];

describe("the stripped-header list", () => {
  it("gives every listed header and prefix its reason", () => {
    expect(strippedBecause("x-real-ip")).toBe("client-address");
    expect(strippedBecause("ocp-apim-subscription-key")).toBe("credential");
    expect(strippedBecause("te")).toBe("hop-by-hop");
    expect(strippedBecause("host")).toBe("gateway-set");
    expect(strippedBecause("x-forwarded-anything")).toBe("client-address");
    expect(strippedBecause("x-gateway-purpose")).toBe("gateway-set");
    expect(strippedBecause("content-type")).toBeUndefined();
    expect(strippedBecause("constructor")).toBeUndefined();
  });

  it("is the one docs/api.md documents", () => {
    const doc = readFileSync(resolve(import.meta.dirname, "../../../docs/api.md"), "utf8");
    const section = doc.slice(
      doc.indexOf("### What goes upstream"),
      doc.indexOf("### What comes back"),
    );
    for (const name of STRIPPED_REQUEST_HEADERS.keys())
      expect(section, name).toContain(`\`${name}\``);
    for (const [prefix] of STRIPPED_REQUEST_PREFIXES)
      expect(section, prefix).toContain(`\`${prefix}*\``);
  });
});

describe("upstreamRequestHeaders", () => {
  it.each(requestCases)("$name", (c) => {
    const out = upstreamRequestHeaders(
      c.incoming,
      c.credentials ?? API_KEY_CREDS,
      DECISION_ID,
      c.bodyLength,
    );
    for (const [name, value] of Object.entries(c.expected)) expect(out[name], name).toEqual(value);
    for (const name of c.absent) expect(out, name).not.toHaveProperty(name);
    // Always: the decision id and the gateway's credentials, never a tenant key or a declaration.
    expect(out["x-ms-client-request-id"]).toBe(DECISION_ID);
    for (const [name, value] of Object.entries(c.credentials ?? API_KEY_CREDS)) {
      expect(out[name]).toBe(value);
    }
    expect(Object.keys(out).filter((n) => n.startsWith("x-gateway-"))).toEqual([]);
    expect(JSON.stringify(out)).not.toContain("tenant-key");
  });

  it("does not modify the incoming headers", () => {
    const incoming = { "api-key": "tenant-key", "x-gateway-capture": "live", host: "h" };
    const copy = structuredClone(incoming);
    upstreamRequestHeaders(incoming, API_KEY_CREDS, DECISION_ID, 0);
    expect(incoming).toEqual(copy);
  });
});

interface ResponseCase {
  name: string;
  upstream: Record<string, string | string[] | undefined>;
  extra?: Record<string, string>;
  expected: Record<string, string | string[]>;
  absent: string[];
}

const DECISION_HEADERS = { "x-gateway-decision": "allow", "x-gateway-decision-id": DECISION_ID };

const responseCases: ResponseCase[] = [
  {
    name: "hop-by-hop headers are stripped",
    upstream: {
      connection: "keep-alive",
      "keep-alive": "timeout=5",
      "transfer-encoding": "chunked",
      upgrade: "h2c",
      trailer: "x-checksum",
      "proxy-authenticate": "Basic",
      "content-type": "text/event-stream",
    },
    expected: { "content-type": "text/event-stream" },
    absent: [
      "connection",
      "keep-alive",
      "transfer-encoding",
      "upgrade",
      "trailer",
      "proxy-authenticate",
    ],
  },
  {
    name: "headers named in the upstream's Connection are stripped",
    upstream: { connection: "close, x-upstream-hop", "x-upstream-hop": "1", "x-request-id": "r" },
    expected: { "x-request-id": "r" },
    absent: ["connection", "x-upstream-hop"],
  },
  {
    name: "rate-limit and tracing headers reach the client unchanged (SDK retries need them)",
    upstream: {
      "retry-after": "10",
      "retry-after-ms": "10000",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-remaining-tokens": "1200",
      "x-ratelimit-reset-requests": "10s",
      "apim-request-id": "apim-1",
      "x-ms-region": "Sweden Central",
      "x-ms-client-request-id": DECISION_ID,
      "x-request-id": "req-1",
      "content-length": "120",
      "set-cookie": ["a=1", "b=2"],
    },
    expected: {
      "retry-after": "10",
      "retry-after-ms": "10000",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-remaining-tokens": "1200",
      "x-ratelimit-reset-requests": "10s",
      "apim-request-id": "apim-1",
      "x-ms-region": "Sweden Central",
      "x-ms-client-request-id": DECISION_ID,
      "x-request-id": "req-1",
      "content-length": "120",
      "set-cookie": ["a=1", "b=2"],
    },
    absent: [],
  },
  {
    name: "the gateway's decision headers are added",
    upstream: { "content-type": "application/json" },
    expected: { "content-type": "application/json", ...DECISION_HEADERS },
    absent: [],
  },
  {
    name: "an upstream cannot spoof the decision headers",
    upstream: { "x-gateway-decision": "deny", "x-gateway-decision-id": "spoofed" },
    expected: DECISION_HEADERS,
    absent: [],
  },
  {
    name: "undefined values are skipped",
    upstream: { "x-empty": undefined, "x-set": "1" },
    extra: {},
    expected: { "x-set": "1" },
    absent: ["x-empty"],
  },
];

describe("clientResponseHeaders", () => {
  it.each(responseCases)("$name", (c) => {
    const out = clientResponseHeaders(c.upstream, c.extra ?? DECISION_HEADERS);
    for (const [name, value] of Object.entries(c.expected)) expect(out[name], name).toEqual(value);
    for (const name of c.absent) expect(out, name).not.toHaveProperty(name);
  });
});
