/**
 * What Node's HTTP parser refuses before any route runs (a malformed request line, headers over
 * `maxHeaderSize`) gets the registry's Azure-shaped answer and exactly one audit record, sent and
 * read over a raw socket because no HTTP client sends such requests.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

/** Writes `raw` on a fresh connection and resolves with everything read until the server closes. */
function rawExchange(raw: string): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(h.gw.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const head = text.slice(0, split);
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1] ?? 0),
        headers: head.toLowerCase(),
        body: text.slice(split + 4),
      });
    });
    socket.write(raw);
  });
}

const decisionIdOf = (headers: string) =>
  /x-gateway-decision-id: ([0-9a-f-]{36})/.exec(headers)?.[1];

describe("errors Node raises before any route runs", () => {
  it("answers a malformed request line with an Azure-shaped 400 and audits it once", async () => {
    const before = h.audit.records.length;
    const res = await rawExchange("THIS IS NOT HTTP\r\n\r\n");
    expect(res.status).toBe(400);
    expect(res.headers).toContain("content-type: application/json");
    expect(JSON.parse(res.body)).toMatchObject({
      error: { code: "InvalidRequest", type: "invalid_request_error", param: null },
    });
    const decisionId = decisionIdOf(res.headers);
    expect(decisionId).toBeDefined();
    const record = await h.audit.waitFor((r) => r.decisionId === decisionId);
    expect(record).toMatchObject({
      tenant: null,
      agency: null,
      method: "-",
      status: 400,
      error: "InvalidRequest",
      decision: "none",
    });
    expect(h.audit.records.slice(before).filter((r) => r.decisionId === decisionId)).toHaveLength(
      1,
    );
  });

  it("answers a bad header on a well-formed request line with a 400 naming the path in the audit", async () => {
    const res = await rawExchange(
      "POST /openai/deployments/gpt-4o/chat/completions?api-version=1 HTTP/1.1\r\n" +
        "host: x\r\nbad header: value\r\n\r\n",
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe("InvalidRequest");
    const record = await h.audit.waitFor((r) => r.decisionId === decisionIdOf(res.headers));
    expect(record).toMatchObject({
      method: "POST",
      path: "/openai/deployments/gpt-4o/chat/completions",
      operation: "chat.completions",
      status: 400,
    });
  });

  it("answers headers over Node's maxHeaderSize with an Azure-shaped 431, audited, nothing forwarded", async () => {
    h.sim.clearRequests();
    const res = await rawExchange(
      "POST /openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21 HTTP/1.1\r\n" +
        `host: x\r\napi-key: ${KEYS.newsroom}\r\nx-padding: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body)).toMatchObject({
      error: { code: "HeadersTooLarge", type: "invalid_request_error" },
    });
    const decisionId = decisionIdOf(res.headers);
    const record = await h.audit.waitFor((r) => r.decisionId === decisionId);
    expect(record).toMatchObject({
      tenant: null,
      method: "POST",
      path: "/openai/deployments/gpt-4o/chat/completions",
      status: 431,
      error: "HeadersTooLarge",
      decision: "none",
      client: { address: "127.0.0.1" },
      bytesOut: Buffer.byteLength(res.body),
    });
    // The key in the refused headers never reaches the audit.
    expect(JSON.stringify(record)).not.toContain(KEYS.newsroom);
    expect(h.sim.requests()).toHaveLength(0);
  });

  it("counts them in the metrics with no tenant and no decision", async () => {
    const metrics = await (await fetch(`${h.gw.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /gateway_requests_total\{tenant="-",operation="other",status="400",decision="none"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /gateway_requests_total\{tenant="-",operation="chat.completions",status="431",decision="none"\} 1/,
    );
  });
});
