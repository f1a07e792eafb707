/**
 * The dashboard's API on the admin port (docs/dashboard.md): recent decisions with filters, one
 * decision's detail, denial series for the charts, and the what-if. Fastify glue only: the work is
 * in index.ts and ../what-if.ts.
 */
import { type Static, Type as T } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { RuntimeConfig } from "../../config/index.js";
import { GatewayHttpError } from "../../errors.js";
import { type AdminWhatIfRequest, adminWhatIf } from "../what-if.js";
import { type DecisionIndex, MAX_LIMIT } from "./index.js";

/** What the routes read. */
export interface DecisionRoutesDeps {
  decisions: DecisionIndex;
  /** The running config (the current generation's). */
  config(): RuntimeConfig;
}

const Time = T.String({ minLength: 1, maxLength: 40 });
const ListQuery = T.Object(
  {
    tenant: T.Optional(T.String({ maxLength: 200 })),
    customer: T.Optional(T.String({ maxLength: 200 })),
    decision: T.Optional(T.String({ maxLength: 40 })),
    policy: T.Optional(T.String({ maxLength: 200 })),
    since: T.Optional(Time),
    until: T.Optional(Time),
    limit: T.Optional(T.Integer({ minimum: 1, maximum: MAX_LIMIT })),
  },
  { additionalProperties: false },
);
const DenialsQuery = T.Object(
  {
    by: T.Optional(T.Union([T.Literal("tenant"), T.Literal("policy")])),
    bucket: T.Optional(T.Union([T.Literal("minute"), T.Literal("hour"), T.Literal("day")])),
    tenant: T.Optional(T.String({ maxLength: 200 })),
    since: T.Optional(Time),
    until: T.Optional(Time),
  },
  { additionalProperties: false },
);
const WhatIfBody = T.Object(
  {
    tenant: T.String({ minLength: 1, maxLength: 200 }),
    onBehalfOf: T.Optional(T.String({ maxLength: 200 })),
    path: T.String({ minLength: 1, maxLength: 2048 }),
    body: T.Unknown(),
  },
  { additionalProperties: false },
);

const BUCKET_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const DAY_MS = 86_400_000;

/** `since`/`until`: an ISO 8601 time or epoch milliseconds. */
export function parseTime(value: string | undefined, param: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new GatewayHttpError("InvalidRequest", `\`${param}\` is not an ISO 8601 time`, { param });
  }
  return ms;
}

/** Registers `/api/decisions`, `/api/decisions/:id`, `/api/denials` and `/api/what-if`. */
export function registerDecisionRoutes(app: FastifyInstance, deps: DecisionRoutesDeps): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    "/api/decisions",
    { schema: { querystring: ListQuery } },
    async (req) => {
      const q = req.query;
      const decisions = deps.decisions.list({
        ...(q.tenant ? { tenant: q.tenant } : {}),
        ...(q.customer ? { customer: q.customer } : {}),
        ...(q.decision ? { decision: q.decision } : {}),
        ...(q.policy ? { policy: q.policy } : {}),
        ...optional("since", parseTime(q.since, "since")),
        ...optional("until", parseTime(q.until, "until")),
        ...optional("limit", q.limit),
      });
      return { decisions, held: deps.decisions.size };
    },
  );
  app.get<{ Params: { id: string } }>("/api/decisions/:id", async (req) => {
    const entry = deps.decisions.get(req.params.id);
    if (entry === undefined) {
      throw new GatewayHttpError("NotFound", "no such decision in the dashboard's window");
    }
    return entry;
  });
  app.get<{ Querystring: Static<typeof DenialsQuery> }>(
    "/api/denials",
    { schema: { querystring: DenialsQuery } },
    async (req) => {
      const q = req.query;
      const until = parseTime(q.until, "until") ?? Date.now();
      const since = parseTime(q.since, "since") ?? until - DAY_MS;
      return deps.decisions.denials({
        by: q.by ?? "tenant",
        bucketMs: BUCKET_MS[q.bucket ?? "hour"],
        since,
        until,
        ...(q.tenant ? { tenant: q.tenant } : {}),
      });
    },
  );
  app.post<{ Body: Static<typeof WhatIfBody> }>(
    "/api/what-if",
    { schema: { body: WhatIfBody } },
    async (req) => adminWhatIf(deps.config(), req.body as AdminWhatIfRequest),
  );
  app.get("/api/tenants", async () => ({
    tenants: [...deps.config().tenants.values()].map((t) => ({
      id: t.id,
      customers: [...t.customers.keys()],
    })),
  }));
}

function optional<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [k in K]: V });
}
