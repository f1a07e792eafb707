/**
 * OpenTelemetry spans and W3C trace context (`traceparent`, `tracestate`).
 *
 * The gateway instruments itself with the OpenTelemetry API only, as libraries do: spans are real
 * when the process registers an SDK (e.g. `node --import @opentelemetry/auto-instrumentations-node/register`
 * or your own tracer provider), and free no-ops otherwise. With `tracing.enabled: false` (the
 * default) the client's `traceparent` is forwarded upstream unchanged; with it on, the gateway
 * starts a span as a child of the client's trace and sends upstream its own span's context.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

const tracer = trace.getTracer("aoai-policy-gateway");

type Headers = Record<string, string | string[] | undefined>;

const headerGetter = {
  get(carrier: Headers, key: string) {
    return carrier[key];
  },
  keys(carrier: Headers) {
    return Object.keys(carrier);
  },
};

/** Starts the span of one gateway request, as a child of the client's trace when it sent one. */
export function startRequestSpan(method: string, route: string, headers: Headers): Span {
  const parent = propagation.extract(ROOT_CONTEXT, headers, headerGetter);
  return tracer.startSpan(
    `${method} ${route}`,
    { kind: SpanKind.SERVER, attributes: { "http.request.method": method, "url.path": route } },
    parent,
  );
}

/** Replaces the trace headers going upstream with the context of `span`. */
export function injectSpanContext(span: Span, headers: Record<string, string | string[]>): void {
  delete headers.traceparent;
  delete headers.tracestate;
  propagation.inject(trace.setSpan(context.active(), span), headers);
}

/** Ends a request span with what the gateway decided and answered. */
export function endRequestSpan(
  span: Span,
  attributes: Record<string, string | number | boolean | undefined>,
  status: number,
): void {
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) span.setAttribute(k, v);
  span.setAttribute("http.response.status_code", status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
