/**
 * The realtime scenario of `npm run bench` (docs/performance.md): a client that measures, per
 * server event, the time from the canned upstream's send to its own receipt (the upstream stamps
 * each event; both processes read the same clock), directly, through the floor's bare `ws` relay
 * and through the gateway, and the relays' CPU per relayed event. The peers are in
 * bench/realtime-peers.ts.
 */
import WebSocket from "ws";
import { cpuMicros } from "./children.js";
import { quantile } from "./load.js";
import { now, REALTIME_EVENTS } from "./realtime-peers.js";

const PATH = "/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-4o-realtime-preview";

/** One target of the scenario. */
export interface RealtimeTarget {
  name: string;
  origin: string;
  key: string;
  /** The process whose CPU is counted (none for direct). */
  pid?: number;
}

interface Session {
  send(event: unknown): void;
  /** Resolves with each event's latency (ms) once `response.done` arrives. */
  response(): Promise<number[]>;
  close(): void;
}

async function openSession(target: RealtimeTarget): Promise<Session> {
  const ws = new WebSocket(`${target.origin.replace(/^http/, "ws")}${PATH}`, {
    headers: { "api-key": target.key },
    perMessageDeflate: false,
  });
  let latencies: number[] = [];
  let done: ((l: number[]) => void) | undefined;
  let failed: ((e: Error) => void) | undefined;
  ws.on("message", (data) => {
    const received = now();
    const text = data.toString();
    const stamp = text.lastIndexOf(',"t":');
    if (stamp !== -1) latencies.push(received - Number(text.slice(stamp + 5, -1)));
    else if (text.includes('"response.done"')) {
      const l = latencies;
      latencies = [];
      done?.(l);
    } else if (text.includes('"type":"error"')) failed?.(new Error(`${target.name}: ${text}`));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("message", () => resolve()); // session.created
    ws.once("error", reject);
  });
  return {
    send: (event) => ws.send(JSON.stringify(event)),
    response: () =>
      new Promise<number[]>((resolve, reject) => {
        done = resolve;
        failed = reject;
      }),
    close: () => ws.close(),
  };
}

/** What the scenario reports per target. */
export interface RealtimeStat {
  responses: number;
  events: number;
  latencyMedianMs: number;
  latencyP99Ms: number;
  cpuUsPerEvent?: number;
}

/**
 * Runs `responses` text responses through each target in turn (one session each, interleaved so
 * that machine noise falls on all of them alike); every response sends an item and a
 * `response.create`, which the gateway judges, and receives `REALTIME_EVENTS` deltas.
 */
export async function realtimeScenario(
  targets: RealtimeTarget[],
  responses: number,
): Promise<Record<string, RealtimeStat>> {
  const sessions = await Promise.all(targets.map(openSession));
  const samples = targets.map(() => ({ latencies: [] as number[], cpu: 0, events: 0 }));
  const item = {
    type: "conversation.item.create",
    item: {
      type: "message",
      role: "user",
      content: [{ type: "input_text", text: "Read the weather forecast for tomorrow, briefly." }],
    },
  };
  const one = async (k: number, record: boolean) => {
    const session = sessions[k]!;
    const pid = targets[k]!.pid;
    const cpu0 = pid === undefined ? 0 : cpuMicros(pid);
    const pending = session.response();
    session.send(item);
    session.send({ type: "response.create" });
    const latencies = await pending;
    if (latencies.length !== REALTIME_EVENTS) {
      throw new Error(
        `${targets[k]!.name}: ${latencies.length} of ${REALTIME_EVENTS} events received`,
      );
    }
    if (!record) return;
    const s = samples[k]!;
    if (pid !== undefined) s.cpu += cpuMicros(pid) - cpu0;
    s.latencies.push(...latencies);
    s.events += REALTIME_EVENTS + 1;
  };
  for (let i = 0; i < 5; i++) for (let k = 0; k < targets.length; k++) await one(k, false);
  for (let i = 0; i < responses; i++) {
    for (let k = 0; k < targets.length; k++) await one((i + k) % targets.length, true);
  }
  for (const s of sessions) s.close();
  return Object.fromEntries(
    targets.map((t, k) => {
      const s = samples[k]!;
      const sorted = Float64Array.from(s.latencies).sort();
      const stat: RealtimeStat = {
        responses,
        events: s.events,
        latencyMedianMs: quantile(sorted, 0.5),
        latencyP99Ms: quantile(sorted, 0.99),
      };
      if (t.pid !== undefined) stat.cpuUsPerEvent = s.cpu / s.events;
      return [t.name, stat];
    }),
  );
}
