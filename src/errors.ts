/**
 * Every error the gateway itself answers, in one registry with stable codes (docs/errors.md).
 *
 * Bodies have Azure's shape (`{"error": {code, message, type, param, innererror}}`) so that the
 * openai SDKs surface them like any Azure error. Anything not in this registry becomes a 500
 * `GatewayError` with no stack trace.
 */

/** Stable error codes and their HTTP status. Documented in docs/errors.md; a test keeps the two in sync. */
export const ERROR_CODES = {
  InvalidRequest: 400,
  GatewayAuthenticationFailed: 401,
  PolicyViolation: 403,
  RealtimeMediaDenied: 403,
  NotFound: 404,
  RequestTimeout: 408,
  RequestTooLarge: 413,
  UnsupportedMediaType: 415,
  RateLimited: 429,
  HeadersTooLarge: 431,
  UpstreamAuthenticationFailed: 502,
  UpstreamUnavailable: 502,
  UpstreamTimeout: 504,
  ServiceUnavailable: 503,
  GatewayError: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The Azure-shaped body every gateway error carries. */
export interface AzureErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    type: string;
    param: string | null;
    innererror?: Record<string, unknown>;
  };
}

/** A coded gateway error; the only kind of error the data plane turns into a non-500 answer. */
export class GatewayHttpError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly param: string | null;
  readonly innererror: Record<string, unknown> | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      param?: string;
      innererror?: Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    // A coded error is an answer, not a fault: its stack is never shown or logged (a fault's own
    // error stays in `cause`, with its stack). Skipping the capture saves ~4% of a denied call.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.name = "GatewayHttpError";
    this.code = code;
    this.statusCode = ERROR_CODES[code];
    this.param = options.param ?? null;
    this.innererror = options.innererror;
    this.headers = options.headers ?? {};
  }

  /** The Azure-shaped JSON body for this error. */
  toBody(): AzureErrorBody {
    const error: AzureErrorBody["error"] = {
      code: this.code,
      message: this.message,
      type: this.statusCode >= 500 ? "gateway_error" : "invalid_request_error",
      param: this.param,
    };
    if (this.innererror !== undefined) error.innererror = this.innererror;
    return { error };
  }
}

/** Turns anything thrown into a coded error; unknown errors become an opaque `GatewayError`. */
export function toGatewayError(err: unknown): GatewayHttpError {
  if (err instanceof GatewayHttpError) return err;
  return new GatewayHttpError("GatewayError", "the gateway failed to process the request", {
    cause: err,
  });
}

/** Constructors for the errors raised in more than one place, so their wording stays identical. */
export const errors = {
  /** A WebRTC/SIP realtime call or sideband connection, for a tenant that has not opted in. */
  realtimeMediaDenied: () =>
    new GatewayHttpError(
      "RealtimeMediaDenied",
      "WebRTC and SIP realtime calls (ephemeral client keys, realtime/calls, sideband connections) carry their media outside the gateway, which cannot see or judge it; use the Realtime WebSocket through the gateway, or ask the operator for `realtime.webrtc: allow`",
    ),
  invalidJson: (cause: unknown) =>
    new GatewayHttpError("InvalidRequest", "the request body is not valid JSON", { cause }),
  invalidBody: (cause: unknown) =>
    new GatewayHttpError("InvalidRequest", "the request body could not be read", { cause }),
  invalidHeader: (header: string, value: string, allowed: readonly string[]) =>
    new GatewayHttpError(
      "InvalidRequest",
      `invalid \`${header}\` value \`${value.slice(0, 64)}\`: expected one of ${allowed.join(", ")}`,
      { param: header },
    ),
  unauthenticated: () =>
    new GatewayHttpError(
      "GatewayAuthenticationFailed",
      "missing or unknown gateway key: send the key issued for your tenant in the `api-key` header or as `Authorization: Bearer <key>`",
    ),
  /** A bearer JWT that failed verification; `reason` names the check, never the token. */
  tokenRejected: (reason: string, cause?: unknown) =>
    new GatewayHttpError("GatewayAuthenticationFailed", `the bearer token was refused: ${reason}`, {
      cause,
    }),
  conflictingCredentials: () =>
    new GatewayHttpError(
      "GatewayAuthenticationFailed",
      "the request carries two different gateway keys (`api-key` and `Authorization: Bearer`, or a repeated header): send exactly one key",
    ),
  customerMismatch: (keyCustomer: string, named: string) =>
    new GatewayHttpError(
      "InvalidRequest",
      `the key is issued for customer \`${keyCustomer}\` but \`x-gateway-on-behalf-of\` names \`${named.slice(0, 64)}\`: omit the header or name the key's customer`,
      { param: "x-gateway-on-behalf-of" },
    ),
  tooLarge: (limit: number) =>
    new GatewayHttpError(
      "RequestTooLarge",
      `the request body exceeds the gateway's limit of ${limit} bytes`,
    ),
  upstreamUnavailable: (upstream: string, cause: unknown) =>
    new GatewayHttpError(
      "UpstreamUnavailable",
      `upstream \`${upstream}\` is unreachable or closed the connection`,
      { cause },
    ),
  /**
   * Azure answered 401 to the gateway's own credential (a wrong or revoked api-key, a token for
   * the wrong resource): the tenant never had that credential, so it gets this 502 rather than
   * Azure's "invalid subscription key" text, and the operator finds the cause in the log.
   */
  upstreamRejectedCredential: (upstream: string) =>
    new GatewayHttpError(
      "UpstreamAuthenticationFailed",
      `upstream \`${upstream}\` refused the gateway's own credential: the gateway's operator must fix its upstream key or identity`,
      { cause: Object.assign(new Error("upstream answered 401"), { code: "UpstreamHTTP401" }) },
    ),
  upstreamTimeout: (upstream: string, timeoutMs: number, cause: unknown) =>
    new GatewayHttpError(
      "UpstreamTimeout",
      `upstream \`${upstream}\` did not answer within ${timeoutMs} ms`,
      { cause },
    ),
  /**
   * A concurrency cap (`maxConcurrentRequests`) is reached: counted on this replica (memory store)
   * or across the fleet (leases in the shared store, with the soonest lease's expiry to wait for).
   */
  tooManyInFlight: (
    who: string,
    limit: number,
    where: "replica" | "fleet" = "replica",
    retryAfterMs = 1000,
  ) =>
    new GatewayHttpError(
      "RateLimited",
      `${who} already has ${limit} requests in flight ${where === "fleet" ? "across the gateway fleet" : "on this gateway replica"} (its limit): retry when one has finished`,
      {
        headers: {
          "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
          "x-ratelimit-limit-concurrent-requests": String(limit),
          "x-ratelimit-remaining-concurrent-requests": "0",
        },
      },
    ),
  whatIfSpent: (limit: number, retryAfterMs: number) =>
    new GatewayHttpError(
      "RateLimited",
      `the tenant's what-if calls are limited to ${limit} per minute: retry after the window closes`,
      {
        headers: {
          "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
          "x-ratelimit-limit-what-if-requests": String(limit),
          "x-ratelimit-remaining-what-if-requests": "0",
        },
      },
    ),
  /**
   * A tenant or customer limit of `requestsPerMinute` or `tokensPerMinute` is spent (fleet-wide).
   * The headers describe the caller's own limit, not Azure's deployment.
   */
  rateSpent: (
    who: string,
    unit: "requests" | "tokens",
    limit: number,
    cost: number,
    retryAfterMs: number,
    remaining: { requests?: number; tokens?: number },
  ) =>
    new GatewayHttpError(
      "RateLimited",
      cost > limit
        ? `this request needs an estimated ${cost} tokens, more than ${who}'s whole limit of ${limit} tokens per minute: lower max_tokens or the input`
        : `${who} is limited to ${limit} ${unit} per minute and has spent them: retry after ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`,
      {
        headers: {
          "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
          [`x-ratelimit-limit-${unit}`]: String(limit),
          ...(remaining.requests === undefined
            ? {}
            : { "x-ratelimit-remaining-requests": String(remaining.requests) }),
          ...(remaining.tokens === undefined
            ? {}
            : { "x-ratelimit-remaining-tokens": String(remaining.tokens) }),
        },
      },
    ),
  /** The shared store could not answer and `store.onError` is `deny`. */
  storeUnavailable: (cause: unknown) =>
    new GatewayHttpError(
      "ServiceUnavailable",
      "the gateway's shared store is unavailable and its limits cannot be checked (store.onError: deny): retry shortly",
      { headers: { "retry-after": "1" }, cause },
    ),
  notFound: (path: string) =>
    new GatewayHttpError(
      "NotFound",
      `no route for \`${path.slice(0, 200)}\`: the gateway serves Azure OpenAI paths under /openai/`,
    ),
} as const;
