/**
 * The benchmark's canned upstream: plain node:http answering Azure-shaped chat completions (JSON,
 * or an SSE stream of `BENCH_SSE_EVENTS` `data:` events), embeddings, and a 401 for a wrong
 * api-key. No simulator pacing: it answers as fast as it can, so the benchmark measures the
 * proxies, not the upstream. Reports `{ port }` over IPC once it listens.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { attachRealtimeUpstream } from "./realtime-peers.js";

const apiKey = process.env.BENCH_UPSTREAM_KEY ?? "";
const sseEvents = Number(process.env.BENCH_SSE_EVENTS ?? 50);

const AZURE_HEADERS = {
  "apim-request-id": "6f1c1b1e-5d0e-4c1a-9b8e-2a0f3c4d5e6f",
  "x-ms-region": "Sweden Central",
  "x-ratelimit-remaining-requests": "99",
  "x-ratelimit-remaining-tokens": "99000",
  "azureml-model-session": "d001-20250101000000",
  "x-content-type-options": "nosniff",
};

const CONTENT_FILTER = {
  hate: { filtered: false, severity: "safe" },
  self_harm: { filtered: false, severity: "safe" },
  sexual: { filtered: false, severity: "safe" },
  violence: { filtered: false, severity: "safe" },
};

const CHAT = Buffer.from(
  JSON.stringify({
    id: "chatcmpl-bench0000000000000000000000",
    object: "chat.completion",
    created: 1735689600,
    model: "gpt-4o-2024-11-20",
    system_fingerprint: "fp_bench",
    prompt_filter_results: [{ prompt_index: 0, content_filter_results: CONTENT_FILTER }],
    choices: [
      {
        index: 0,
        finish_reason: "stop",
        logprobs: null,
        message: {
          role: "assistant",
          content: "Gateways stand watch / every request weighed and logged / the answer flows on",
          refusal: null,
        },
        content_filter_results: CONTENT_FILTER,
      },
    ],
    usage: { prompt_tokens: 24, completion_tokens: 18, total_tokens: 42 },
  }),
);

const EMBEDDINGS = Buffer.from(
  JSON.stringify({
    object: "list",
    model: "text-embedding-3-small",
    data: [
      { object: "embedding", index: 0, embedding: Array.from({ length: 16 }, (_, i) => i / 16) },
    ],
    usage: { prompt_tokens: 5, total_tokens: 5 },
  }),
);

/** The SSE events of one streamed answer: Azure's empty first chunk, content, finish, [DONE]. */
function sseBody(events: number): Buffer[] {
  const out: Buffer[] = [];
  const base = {
    id: "chatcmpl-bench0000000000000000000000",
    object: "chat.completion.chunk",
    created: 1735689600,
    model: "gpt-4o-2024-11-20",
    system_fingerprint: "fp_bench",
  };
  const data = (value: unknown) => Buffer.from(`data: ${JSON.stringify(value)}\n\n`);
  out.push(
    data({
      id: "",
      object: "",
      created: 0,
      model: "",
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: CONTENT_FILTER }],
      choices: [],
    }),
  );
  for (let i = 0; i < events - 3; i++) {
    out.push(
      data({
        ...base,
        choices: [
          {
            index: 0,
            finish_reason: null,
            delta: { content: i === 0 ? "Gate" : ` word${i}` },
            content_filter_results: CONTENT_FILTER,
          },
        ],
      }),
    );
  }
  out.push(
    data({
      ...base,
      choices: [{ index: 0, finish_reason: "stop", delta: {}, content_filter_results: {} }],
      usage: { prompt_tokens: 24, completion_tokens: events - 3, total_tokens: 21 + events },
    }),
  );
  out.push(Buffer.from("data: [DONE]\n\n"));
  return out;
}

const SSE = sseBody(sseEvents);

function send(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, {
    ...AZURE_HEADERS,
    "content-type": "application/json",
    "content-length": body.length,
  });
  res.end(body);
}

/** Writes one event per turn of the event loop, so they leave as separate writes, unpaced. */
function stream(res: ServerResponse): void {
  res.writeHead(200, {
    ...AZURE_HEADERS,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  let i = 0;
  const next = () => {
    const chunk = SSE[i++];
    if (chunk === undefined || res.destroyed) {
      res.end();
      return;
    }
    res.write(chunk);
    setImmediate(next);
  };
  next();
}

const STREAM_FLAG = /"stream"\s*:\s*true/;
const PEEK = 64 * 1024;

function handle(req: IncomingMessage, res: ServerResponse): void {
  const head: Buffer[] = [];
  let seen = 0;
  req.on("data", (chunk: Buffer) => {
    // Only the first 64 KiB are kept: enough to see `"stream": true` in a chat body, and a
    // 20 MB body costs this process no memory.
    if (seen < PEEK) head.push(chunk);
    seen += chunk.length;
  });
  req.on("end", () => {
    if (req.headers["api-key"] !== apiKey) {
      send(res, 401, Buffer.from('{"error":{"code":"401","message":"Access denied"}}'));
      return;
    }
    const url = req.url ?? "";
    if (url.includes("/chat/completions")) {
      const text = Buffer.concat(head).subarray(0, PEEK).toString("latin1");
      if (seen < PEEK && STREAM_FLAG.test(text)) stream(res);
      else send(res, 200, CHAT);
    } else if (url.includes("/embeddings")) send(res, 200, EMBEDDINGS);
    else send(res, 404, Buffer.from('{"error":{"code":"404","message":"Resource not found"}}'));
  });
}

const server = createServer({ keepAliveTimeout: 60_000 }, handle);
attachRealtimeUpstream(server, apiKey);
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  process.send?.({ port: address.port });
});
process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
