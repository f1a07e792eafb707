import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEYS, startGatewayOn, startHarness } from "../helpers/harness.js";

// What an application does to enable OpenTelemetry: register a provider, context manager and the
// W3C propagator. The gateway only uses the API.
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_PARENT = "00f067aa0ba902b7";
const traceparent = `00-${TRACE_ID}-${CLIENT_PARENT}-01`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const chat = (url: string) =>
  fetch(`${url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`, {
    method: "POST",
    headers: { "api-key": KEYS.newsroom, "content-type": "application/json", traceparent },
    body: JSON.stringify({ messages: [{ role: "user", content: "trace me" }] }),
  });

describe("trace context", () => {
  it("forwards the client's traceparent unchanged when tracing is off, and makes no span", async () => {
    h.sim.clearRequests();
    exporter.reset();
    const res = await chat(h.gw.url);
    expect(res.status).toBe(200);
    expect(h.sim.requests()[0]?.headers.traceparent).toBe(traceparent);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it("starts a span in the client's trace and sends upstream its own context when tracing is on", async () => {
    const { gw } = await startGatewayOn(h.sim.url, { extra: "tracing: { enabled: true }\n" });
    try {
      h.sim.clearRequests();
      exporter.reset();
      const res = await chat(gw.url);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      const deadline = Date.now() + 5000;
      while (exporter.getFinishedSpans().length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const [span] = exporter.getFinishedSpans();
      expect(span?.spanContext().traceId).toBe(TRACE_ID);
      expect(span?.parentSpanContext?.spanId).toBe(CLIENT_PARENT);
      expect(span?.attributes).toMatchObject({
        "gateway.tenant": "newsroom",
        "gateway.operation": "chat.completions",
        "gateway.decision": "allow",
        "http.response.status_code": 200,
        "gateway.decision_id": res.headers.get("x-gateway-decision-id"),
      });
      const upstream = String(h.sim.requests()[0]?.headers.traceparent);
      expect(upstream).toBe(`00-${TRACE_ID}-${span?.spanContext().spanId}-01`);
    } finally {
      await gw.close();
    }
  });
});
