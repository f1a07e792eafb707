import type { Duplex } from "node:stream";
import type WebSocket from "ws";
import type { RawData } from "ws";
import { newId } from "../ids.js";
import type { RecordedRealtimeSession } from "../types.js";
import { Conversation } from "./conversation.js";
import type { Dialect } from "./dialect.js";
import {
  binaryFrame,
  invalidJson,
  invalidType,
  invalidValue,
  missingParameter,
  serverError,
  type WireRealtimeError,
} from "./errors.js";
import type { RealtimeFaults } from "./faults.js";
import { CLIENT_EVENT_HANDLERS } from "./handlers.js";
import type { RealtimeLog } from "./log.js";
import { type ActiveResponse, startResponse } from "./response.js";
import { EventSender } from "./sender.js";
import { type JsonObject, objectOf } from "./wire.js";

/** How long shutdown waits for a client to answer the 1001 close frame before cutting it off. */
const SHUTDOWN_GRACE_MS = 1000;

const SUPPORTED_TYPES: readonly string[] = Object.keys(CLIENT_EVENT_HANDLERS);

/** Everything a session starts from: the accepted socket and what the upgrade decided. */
export interface SessionInit {
  readonly ws: WebSocket;
  /** The upgraded TCP socket, whose `drain` the sender waits for. */
  readonly socket: Duplex;
  readonly record: RecordedRealtimeSession;
  readonly log: RealtimeLog;
  readonly dialect: Dialect;
  readonly deployment: string;
  readonly faults: RealtimeFaults;
}

function bufferOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** A parsed text frame: the JSON value, or undefined when it is not JSON. */
function parseFrame(frame: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(frame.toString("utf8")) };
  } catch {
    return undefined;
  }
}

/**
 * One realtime session: its configuration, conversation, input audio buffer and running response.
 * Client frames are recorded as they arrive and answered one at a time, in order; a response
 * streams on its own, so `response.cancel` (or any event) is answered while it runs. A bad event
 * gets an `error` event and the session goes on, as on the service.
 */
export class RealtimeSession {
  readonly id: string;
  readonly dialect: Dialect;
  readonly conversation = new Conversation();
  readonly conversationId = newId.realtimeConversation();
  readonly sender: EventSender;
  /** The session configuration, as `session.update` leaves it. */
  config: JsonObject;
  /** Bytes appended to the input audio buffer since the last commit or clear. */
  audioBufferBytes = 0;
  activeResponse: ActiveResponse | undefined;
  readonly #init: SessionInit;
  readonly #ended = new AbortController();
  readonly #closed: Promise<void>;
  #queue: Promise<void> = Promise.resolve();

  constructor(init: SessionInit) {
    this.#init = init;
    this.id = init.record.id;
    this.dialect = init.dialect;
    this.config = init.dialect.defaultSession(this.id, init.deployment);
    this.sender = new EventSender(
      init.ws,
      init.socket,
      init.record,
      init.faults,
      this.#ended.signal,
    );
    this.#closed = new Promise((resolve) => {
      init.ws.once("close", (code: number, reason: Buffer) => {
        this.#end(code, reason.toString("utf8"));
        resolve();
      });
    });
  }

  /** Settles when the session is over, however it ended. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Starts listening to the client and sends `session.created`, unless a fault of 0 events applies. */
  start(): void {
    const { ws } = this.#init;
    ws.on("message", (data: RawData, isBinary: boolean) => this.#receive(data, isBinary));
    ws.on("error", (error: Error) => this.sender.protocolError(error));
    if (this.sender.applyFaultsAtStart()) return;
    this.#enqueue(async () => {
      await this.sender.send({ type: "session.created", session: this.config });
    });
  }

  /** Answers a client event with an `error` event carrying the event's own `event_id`. */
  async fail(error: WireRealtimeError, event: JsonObject | undefined): Promise<void> {
    const eventId = event?.["event_id"];
    await this.sender.send({
      type: "error",
      error: { ...error, event_id: typeof eventId === "string" ? eventId : null },
    });
  }

  /** Starts a response; the session forgets it once it is over. */
  respond(response: JsonObject | undefined): void {
    const active = startResponse(
      {
        sender: this.sender,
        dialect: this.dialect,
        faults: this.#init.faults,
        session: this.config,
        conversation: this.conversation,
        conversationId: this.conversationId,
        signal: this.#ended.signal,
      },
      response,
      () => {
        if (this.activeResponse === active) this.activeResponse = undefined;
      },
    );
    this.activeResponse = active;
  }

  /** Closes with 1001 (going away), then cuts the socket if the client does not answer in time. */
  async shutdown(): Promise<void> {
    this.sender.close(1001, "simulator shutting down");
    const timer = setTimeout(() => this.#init.ws.terminate(), SHUTDOWN_GRACE_MS);
    await this.#closed;
    clearTimeout(timer);
  }

  #receive(data: RawData, isBinary: boolean): void {
    const frame = bufferOf(data);
    const parsed = isBinary ? undefined : parseFrame(frame);
    this.#init.log.event(this.#init.record, frame.length, isBinary, parsed?.value);
    this.#enqueue(() => this.#dispatch(isBinary, parsed));
  }

  async #dispatch(isBinary: boolean, parsed: { value: unknown } | undefined): Promise<void> {
    if (isBinary) return this.fail(binaryFrame(), undefined);
    if (parsed === undefined) return this.fail(invalidJson(), undefined);
    const event = objectOf(parsed.value);
    if (event === undefined)
      return this.fail(invalidType("event", "an object", parsed.value), undefined);
    const type = event["type"];
    if (type === undefined) return this.fail(missingParameter("type"), event);
    if (typeof type !== "string") return this.fail(invalidType("type", "a string", type), event);
    const handler = CLIENT_EVENT_HANDLERS[type];
    if (handler === undefined) return this.fail(invalidValue("type", type, SUPPORTED_TYPES), event);
    try {
      await handler(this, event);
    } catch {
      await this.fail(serverError(), event);
    }
  }

  /** Runs client events one after another, so their answers keep the order they came in. */
  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task).catch(() => {
      // A send on a socket that just went away; the close handler records the end.
    });
  }

  #end(code: number, reason: string): void {
    this.#ended.abort();
    const { record } = this.#init;
    const ending = this.sender.ending;
    if (ending?.by === "server") {
      record.closedBy = "server";
      record.closeCode = ending.code;
      record.closeReason = ending.reason;
    } else {
      record.closedBy = ending?.by ?? "client";
      record.closeCode = code;
      record.closeReason = reason;
    }
  }
}
