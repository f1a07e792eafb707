/**
 * One realtime session between a client and an upstream, both `ws` sockets: every client event is
 * judged before it is forwarded (in order, one at a time), server events are relayed unchanged,
 * each side's queue toward a slow peer is bounded (the other side stops being read), and a close
 * on one side closes the other (docs/api.md "Realtime"). Audits the session when both ends are
 * closed, and every event it denies as it denies it.
 */
import type WebSocket from "ws";
import type { RawData } from "ws";
import { GatewayHttpError } from "../../errors.js";
import { admitResponse, type ResponseReservation } from "../admit/realtime.js";
import { auditRecord } from "../audit/record.js";
import type { RequestContext } from "../context.js";
import type { StageDeps } from "../data-plane.js";
import { policyViolation } from "../respond.js";
import {
  clientEventId,
  closeReason,
  codeTowardClient,
  codeTowardUpstream,
  errorEvent,
  type GatewayErrorEvent,
  policyCloseReason,
  policyErrorEvent,
  refusedErrorEvent,
} from "./events.js";
import { judgeEvent, type SessionIdentity } from "./judge-event.js";
import { type SessionTally, sessionAudit } from "./session-audit.js";
import { SessionContext } from "./session-context.js";

/** Client events that carry nothing the model reads: forwarded without a context check. */
const NO_CONTENT = new Set([
  "input_audio_buffer.commit",
  "input_audio_buffer.clear",
  "output_audio_buffer.clear",
  "response.cancel",
  "conversation.item.delete",
  "conversation.item.retrieve",
  "conversation.item.truncate",
]);

/** What a session needs from the gateway and its upgrade. */
export interface RelayInit {
  deps: StageDeps;
  who: SessionIdentity;
  /** The session's own context (its decision id is the session id; audited at the end). */
  ctx: RequestContext;
  client: WebSocket;
  upstream: WebSocket;
  /** Called once when both sides are closed and the session is audited. */
  onEnd: () => void;
}

/** A relayed realtime session. */
export class RealtimeRelay {
  readonly #init: RelayInit;
  readonly #context = new SessionContext();
  readonly #limits: { maxQueuedBytes: number; maxContextChars: number };
  readonly #queue: string[] = [];
  #queuedBytes = 0;
  #pumping = false;
  readonly tally: SessionTally = {
    eventsIn: 0,
    eventsOut: 0,
    denied: 0,
    refused: 0,
    usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    peakQueuedToClient: 0,
    peakQueuedToUpstream: 0,
  };
  /** The last verdict on a bare audio append, valid while the session's content is unchanged. */
  #audioMemo: { version: number; ctx: RequestContext } | undefined;
  /** Token reservations of the responses created and not yet done, oldest first. */
  readonly #reservations: (ResponseReservation | undefined)[] = [];
  readonly #counted: { client: { inc(): void }; server: { inc(): void } };
  #clientClosed = false;
  #upstreamClosed = false;
  #ended = false;

  constructor(init: RelayInit) {
    this.#init = init;
    const { realtime } = init.who.generation.config;
    this.#limits = {
      maxQueuedBytes: realtime.maxQueuedBytes,
      maxContextChars: realtime.maxContextChars,
    };
    const { client, upstream } = init;
    const events = init.deps.metrics.realtimeEvents;
    this.#counted = { client: events.labels("client"), server: events.labels("server") };
    client.on("message", (data, isBinary) => this.#fromClient(data, isBinary));
    upstream.on("message", (data, isBinary) => this.#fromUpstream(data, isBinary));
    client.on("close", (code, reason) => this.#clientClose(code, reason));
    upstream.on("close", (code, reason) => this.#upstreamClose(code, reason));
    // An error is followed by a close; the close handlers do the work.
    client.on("error", (err) => init.deps.log.debug({ err }, "realtime client socket error"));
    upstream.on("error", (err) => init.deps.log.debug({ err }, "realtime upstream socket error"));
    upstream.resume(); // paused since its handshake (upstream-socket.ts)
    if (upstream.readyState !== upstream.OPEN) this.#upstreamClose(1006, Buffer.alloc(0));
  }

  /** Closes both sides (shutdown: 1001), as if upstream had ended the session. */
  close(code: number, reason: string): void {
    if (!this.#clientClosed) this.#init.client.close(code, reason);
    if (!this.#upstreamClosed) this.#init.upstream.close(code, reason);
  }

  /** Cuts both sockets (a shutdown whose close handshake did not finish). */
  terminate(): void {
    this.#init.client.terminate();
    this.#init.upstream.terminate();
  }

  #fromClient(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.tally.refused++;
      this.#sendError(
        errorEvent("invalid_event", "realtime client events are JSON text frames", null),
      );
      return;
    }
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString("utf8")
      : Buffer.from(data as Buffer).toString("utf8");
    this.#queue.push(text);
    this.#queuedBytes += text.length;
    // Events wait for their judgement in order; a client that sends faster than they are judged
    // and forwarded stops being read until the queue drains.
    if (this.#queuedBytes > this.#limits.maxQueuedBytes) this.#init.client.pause();
    if (!this.#pumping) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#queue.length > 0 && !this.#ended) {
        const text = this.#queue.shift()!;
        this.#queuedBytes -= text.length;
        await this.#handle(text);
        if (this.#queuedBytes <= this.#limits.maxQueuedBytes / 2) this.#resumeClient();
      }
    } catch (err) {
      this.#init.deps.log.error({ err }, "realtime session failed judging an event");
      this.close(1011, "gateway error");
    } finally {
      this.#pumping = false;
    }
  }

  #resumeClient(): void {
    const { client, upstream } = this.#init;
    if (client.isPaused && upstream.bufferedAmount <= this.#limits.maxQueuedBytes) client.resume();
  }

  /** Judges one client event and forwards it, or answers why not. */
  async #handle(text: string): Promise<void> {
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      this.tally.refused++;
      this.#sendError(errorEvent("invalid_json", "the client event is not valid JSON", null));
      return;
    }
    const id = clientEventId(event);
    const type =
      typeof event === "object" && event !== null && !Array.isArray(event)
        ? (event as Record<string, unknown>)["type"]
        : undefined;
    if (typeof type !== "string") {
      this.tally.refused++;
      this.#sendError(
        errorEvent("invalid_event", "a client event is a JSON object with a `type`", id),
      );
      return;
    }
    if (!NO_CONTENT.has(type) && this.#context.chars > this.#limits.maxContextChars) {
      this.tally.refused++;
      this.#sendError(
        errorEvent(
          "session_too_long",
          `the session has sent more than ${this.#limits.maxContextChars} characters of text for the gateway to read again with each event (realtime.maxContextChars): open a new session`,
          id,
        ),
      );
      return;
    }
    let ctx: RequestContext;
    try {
      ctx = await this.#judge(event, text, type);
    } catch (err) {
      if (!(err instanceof GatewayHttpError)) throw err;
      this.tally.refused++;
      this.#sendError(refusedErrorEvent(err, id));
      return;
    }
    if (this.#ended) return;
    const decision = ctx.decision!;
    if (decision.decision === "deny") {
      this.#deny(ctx, type, id);
      return;
    }
    if (type === "response.create") {
      // A response spends a request and reserves its output tokens (admit/realtime.ts).
      try {
        const reservation = await admitResponse(
          this.#init.deps,
          this.#init.ctx,
          maxOutputTokensOf(event),
        );
        if (this.#ended) return;
        this.#reservations.push(reservation);
      } catch (err) {
        if (!(err instanceof GatewayHttpError)) throw err;
        this.tally.refused++;
        this.#sendError(refusedErrorEvent(err, id));
        return;
      }
    }
    this.#context.accept(event, ctx.facts!);
    this.#forward(text);
  }

  #judge(event: unknown, text: string, type: string): RequestContext | Promise<RequestContext> {
    const { deps, who } = this.#init;
    // Audio appends arrive many times a second and add nothing to read once speech is known:
    // their verdict holds until the session's content changes.
    const bareAudio = type === "input_audio_buffer.append" && this.#context.audio;
    const memo = this.#audioMemo;
    if (bareAudio && memo !== undefined && memo.version === this.#context.version) {
      return memo.ctx;
    }
    const judged = judgeEvent(who, this.#context, event, text, deps.requestMetrics);
    if (type !== "input_audio_buffer.append") return judged;
    const remember = (ctx: RequestContext) => {
      this.#audioMemo = { version: this.#context.version, ctx };
      return ctx;
    };
    return judged instanceof Promise ? judged.then(remember) : remember(judged);
  }

  /** A denied event: the error event, its own audit record, and a 1008 close for settings. */
  #deny(ctx: RequestContext, type: string, id: string | null): void {
    const { deps, client, ctx: session } = this.#init;
    this.tally.denied++;
    const denial = policyViolation(ctx);
    this.#sendError(policyErrorEvent(denial, ctx.decisionId, id));
    const record = auditRecord(ctx, "WS", ctx.path, 403, performance.now());
    record.error = denial.code;
    record.realtime = { session: session.decisionId, event: type.slice(0, 64) };
    if (id !== null) record.realtime.eventId = id.slice(0, 64);
    deps.audit.write(record);
    deps.metrics.realtimeDenials
      .labels(type === "session.update" ? "session.update" : "event")
      .inc();
    if (type === "session.update") {
      // Settings that set the session up for what the policy forbids: the session ends.
      this.tally.closedByPolicy = ctx.decisionId;
      client.close(1008, policyCloseReason(ctx.decisionId));
      this.#init.upstream.close(1000, "session closed by the gateway's policy");
    }
  }

  #forward(text: string): void {
    const { upstream, client } = this.#init;
    if (upstream.readyState !== upstream.OPEN) return;
    this.tally.eventsIn++;
    this.#counted.client.inc();
    upstream.send(text, () => this.#resumeClient());
    const queued = upstream.bufferedAmount;
    if (queued > this.tally.peakQueuedToUpstream) this.tally.peakQueuedToUpstream = queued;
    if (queued > this.#limits.maxQueuedBytes) client.pause();
  }

  #sendError(event: GatewayErrorEvent): void {
    const { client } = this.#init;
    if (client.readyState === client.OPEN) client.send(JSON.stringify(event));
  }

  #fromUpstream(data: RawData, isBinary: boolean): void {
    const { client, upstream } = this.#init;
    this.tally.eventsOut++;
    this.#counted.server.inc();
    const buf = data as Buffer;
    if (!isBinary && buf.indexOf('"response.done"') !== -1) this.#tapUsage(buf);
    if (client.readyState !== client.OPEN) return;
    client.send(buf, { binary: isBinary }, () => {
      if (upstream.isPaused && client.bufferedAmount <= this.#limits.maxQueuedBytes / 2) {
        upstream.resume();
      }
    });
    const queued = client.bufferedAmount;
    if (queued > this.tally.peakQueuedToClient) this.tally.peakQueuedToClient = queued;
    // A slow client: stop reading upstream until what it has not taken drains.
    if (queued > this.#limits.maxQueuedBytes) upstream.pause();
  }

  /** Adds the usage of a `response.done` event to the session's. */
  #tapUsage(buf: Buffer): void {
    try {
      const event = JSON.parse(buf.toString("utf8")) as {
        type?: string;
        response?: {
          usage?: { input_tokens?: number; output_tokens?: number; total_tokens?: number };
        };
      };
      if (event.type !== "response.done") return;
      // Responses finish in the order they were created: the oldest reservation is this one's.
      const reservation = this.#reservations.shift();
      const usage = event.response?.usage;
      if (usage === undefined) return;
      reservation?.settle(usage.total_tokens ?? 0);
      const u = this.tally.usage;
      u.promptTokens += usage.input_tokens ?? 0;
      u.completionTokens += usage.output_tokens ?? 0;
      u.totalTokens += usage.total_tokens ?? 0;
    } catch {
      // Not ours to judge: server events are relayed as they are.
    }
  }

  #clientClose(code: number, reason: Buffer): void {
    this.#clientClosed = true;
    this.tally.closeCode ??= code;
    this.tally.closedBy ??= "client";
    const { upstream } = this.#init;
    if (upstream.readyState === upstream.OPEN || upstream.readyState === upstream.CONNECTING) {
      upstream.close(codeTowardUpstream(code), closeReason(reason));
    }
    this.#maybeEnd();
  }

  #upstreamClose(code: number, reason: Buffer): void {
    this.#upstreamClosed = true;
    const { client } = this.#init;
    if (client.readyState === client.OPEN) {
      const toClient = codeTowardClient(code);
      this.tally.closeCode ??= toClient;
      this.tally.closedBy ??= code === 1006 ? "upstream-lost" : "upstream";
      client.close(toClient, toClient === code ? closeReason(reason) : "upstream connection lost");
    }
    this.#maybeEnd();
  }

  #maybeEnd(): void {
    if (this.#ended || !this.#clientClosed || !this.#upstreamClosed) return;
    this.#ended = true;
    const { deps, ctx } = this.#init;
    this.tally.images = this.#context.facts.images;
    deps.audit.write(sessionAudit(ctx, this.tally, performance.now()));
    this.#init.onEnd();
  }
}

/** `response.max_output_tokens` of a `response.create`, when a number ("inf" and absent: none). */
function maxOutputTokensOf(event: unknown): number | undefined {
  const response = (event as { response?: { max_output_tokens?: unknown } }).response;
  const max = response?.max_output_tokens;
  return typeof max === "number" && Number.isFinite(max) && max >= 0 ? Math.ceil(max) : undefined;
}
