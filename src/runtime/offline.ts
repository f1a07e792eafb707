/**
 * Offline evaluation: the facts and decision for one request without a network, for
 * `policy-gateway explain` and `policy-gateway test`. Runs the same classification and policy
 * stages as the data plane, so what the CLI says is what the gateway does.
 */
import { createMetrics } from "../admin/metrics.js";
import { RequestMetrics } from "../admin/request-metrics.js";
import type { RuntimeConfig } from "../config/index.js";
import { GatewayHttpError } from "../errors.js";
import { MemoryFrameWindowStore } from "../pipeline/classify-request/frame-rate.js";
import { routeOf } from "../pipeline/classify-request/operation.js";
import { newRequestContext } from "../pipeline/context.js";
import { decideRequest } from "../pipeline/evaluate-policy/decide.js";
import { actingFor } from "../pipeline/identify-tenant/acting.js";
import { type Identity, identityOfKey } from "../pipeline/identify-tenant/identify.js";
import { bodyFormatOf } from "../pipeline/read-body/body-format.js";
import { readRequestBody } from "../pipeline/read-body/request-body.js";
import { type WhatIfAnswer, whatIfAnswer } from "../pipeline/what-if.js";
import { buildGeneration, type Generation } from "./generation.js";

/** One request to evaluate offline. */
export interface OfflineRequest {
  tenant: string;
  /**
   * Authenticate with a key scoped to this customer of the tenant (`customers[].keys`), as the data
   * plane would; without it the call uses a tenant-level key.
   */
  customerKey?: string;
  path: string;
  headers: Record<string, string>;
  /** The request body: raw JSON text, or an already parsed value (serialised to be read). */
  body: string | unknown;
}

/** The outcome: a what-if answer, or the coded error the gateway would have answered. */
export type OfflineResult =
  | { ok: true; answer: WhatIfAnswer }
  | { ok: false; status: number; code: string; message: string };

/** An evaluator over one compiled config and policy engine. */
export class OfflineEvaluator {
  readonly #generation: Generation;
  readonly #metrics = new RequestMetrics(createMetrics());

  constructor(config: RuntimeConfig) {
    this.#generation = buildGeneration(config, [], new MemoryFrameWindowStore());
  }

  /** Who the request is authenticated as, or why no key of the config could authenticate it. */
  #identity(req: OfflineRequest): Identity | string {
    const { config } = this.#generation;
    const tenant = config.tenants.get(req.tenant);
    if (tenant === undefined) return `unknown tenant \`${req.tenant}\``;
    if (req.customerKey === undefined) return { tenant };
    const entry = config.keys.find(
      (k) => k.tenantId === tenant.id && k.customerId === req.customerKey,
    );
    const identity = entry === undefined ? undefined : identityOfKey(config, entry);
    return (
      identity ??
      `tenant \`${tenant.id}\` has no customer \`${req.customerKey}\` with a key (customers[].keys)`
    );
  }

  /** Evaluates one request as the data plane would, without forwarding it. */
  async evaluate(req: OfflineRequest): Promise<OfflineResult> {
    const generation = this.#generation;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
    const identity = this.#identity(req);
    if (typeof identity === "string") {
      return { ok: false, status: 401, code: "GatewayAuthenticationFailed", message: identity };
    }
    const tenant = identity.tenant;
    const ctx = newRequestContext({
      generation,
      url: req.path,
      route: routeOf,
      whatIf: true,
      pinned: false,
    });
    ctx.tenant = tenant;
    try {
      ctx.acting = actingFor(identity, headers["x-gateway-on-behalf-of"]);
      ctx.agency = ctx.acting.agency;
      const raw = Buffer.from(
        typeof req.body === "string" ? req.body : (JSON.stringify(req.body) ?? ""),
        "utf8",
      );
      const format = bodyFormatOf(ctx.route.operation, headers["content-type"]);
      if (format instanceof GatewayHttpError) throw format;
      const body = await readRequestBody(ctx.route.operation, format, raw, headers["content-type"]);
      await decideRequest(ctx, headers, body, this.#metrics);
      return { ok: true, answer: whatIfAnswer(ctx) };
    } catch (err) {
      if (err instanceof GatewayHttpError) {
        return { ok: false, status: err.statusCode, code: err.code, message: err.message };
      }
      throw err;
    }
  }
}
