/**
 * The judge of the uncertain band (docs/classifier.md, "The judge"): an Azure OpenAI deployment
 * the operator names, asked through the gateway's own upstream pools and credentials, with a
 * fixed prompt and a strict JSON schema. Verdicts are cached by the hash of the normalised text,
 * identical asks in flight share one call, calls in flight are capped, and every call is bounded
 * in time. It never throws: a failure is an outcome with an `error`, and the caller keeps the
 * local view (under the absolute ban, a denial).
 */
import type { RuntimeJudge } from "../../config/index.js";
import type { Confidence } from "../classify-request/purposes/confidence.js";
import { modelText } from "../classify-request/purposes/model/model-text.js";
import type { LiveUpstream } from "../forward/upstreams.js";
import type { Jurisdiction } from "../identify-tenant/agency.js";
import { type JudgeAnswer, judgeRequestBody, parseJudgeAnswer } from "./prompt.js";
import { VerdictCache, verdictKey } from "./verdict-cache.js";

/** What one ask came to, as the audit records it (never the text). */
export interface JudgeOutcome {
  upstream: string;
  verdict?: Confidence;
  /** The verdict came from the cache (or from an identical ask in flight). */
  cached?: boolean;
  /** Milliseconds the ask took (0 for a cache hit). */
  ms: number;
  tokens?: { prompt: number; completion: number };
  /** Why there is no verdict: `timeout`, `busy`, `too-long`, `status-<n>`, or a short reason. */
  error?: string;
}

/** Largest judge answer read; a structured verdict is a few hundred bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Asks the judge deployment; one per config generation. */
export class PurposeJudge {
  readonly #cache: VerdictCache;
  readonly #inFlight = new Map<string, Promise<JudgeAnswer>>();
  readonly #byName: ReadonlyMap<string, LiveUpstream>;

  constructor(
    readonly config: RuntimeJudge,
    upstreams: readonly LiveUpstream[],
    now: () => number = Date.now,
  ) {
    this.#cache = new VerdictCache(config.cacheEntries, config.cacheMs, now);
    this.#byName = new Map(upstreams.map((u) => [u.config.name, u]));
  }

  /** The upstream name the judge uses for a tenant in `jurisdiction` (most specific first). */
  upstreamFor(jurisdiction: Jurisdiction): string {
    const { byJurisdiction } = this.config;
    return (
      (jurisdiction.subdivision !== undefined
        ? byJurisdiction.get(jurisdiction.subdivision)
        : undefined) ??
      byJurisdiction.get(jurisdiction.country) ??
      this.config.upstream
    );
  }

  /** The verdict on `text`, from the cache or the deployment; `decisionId` goes with the call. */
  async ask(text: string, jurisdiction: Jurisdiction, decisionId: string): Promise<JudgeOutcome> {
    const name = this.upstreamFor(jurisdiction);
    if (text.length > this.config.maxChars) return { upstream: name, ms: 0, error: "too-long" };
    const key = `${name}\n${verdictKey(modelText(text))}`;
    const hit = this.#cache.get(key);
    if (hit !== undefined) return { upstream: name, ms: 0, cached: true, ...answerFields(hit) };
    const started = performance.now();
    const shared = this.#inFlight.get(key);
    if (shared === undefined && this.#inFlight.size >= this.config.maxConcurrent) {
      return { upstream: name, ms: 0, error: "busy" };
    }
    const pending = shared ?? this.#call(name, text, decisionId);
    if (shared === undefined) {
      this.#inFlight.set(key, pending);
      pending.then(
        (answer) => this.#cache.set(key, answer),
        () => {},
      );
      pending.finally(() => this.#inFlight.delete(key)).catch(() => {});
    }
    try {
      const answer = await pending;
      const ms = performance.now() - started;
      return {
        upstream: name,
        ms,
        ...(shared === undefined ? {} : { cached: true }),
        ...answerFields(answer),
      };
    } catch (err) {
      return { upstream: name, ms: performance.now() - started, error: reasonOf(err) };
    }
  }

  async #call(name: string, text: string, decisionId: string): Promise<JudgeAnswer> {
    const upstream = this.#byName.get(name);
    if (upstream === undefined) throw new Error(`no upstream \`${name}\``);
    const credentials = upstream.credentials.current() ?? (await upstream.credentials.fetch());
    const { deployment, apiVersion, timeoutMs } = this.config;
    const { statusCode, body } = await upstream.pool.request({
      method: "POST",
      path: `/openai/deployments/${encodeURIComponent(deployment)}/chat/completions?api-version=${apiVersion}`,
      headers: {
        ...credentials,
        "content-type": "application/json",
        "x-ms-client-request-id": decisionId,
      },
      body: JSON.stringify(judgeRequestBody(text)),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > MAX_ANSWER_BYTES) {
        body.destroy();
        throw new Error("answer too large");
      }
      chunks.push(chunk as Buffer);
    }
    if (statusCode !== 200) throw new Error(`status-${statusCode}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      throw new Error("the answer is not JSON");
    }
    return parseJudgeAnswer(parsed);
  }
}

function answerFields(answer: JudgeAnswer): Pick<JudgeOutcome, "verdict" | "tokens"> {
  return answer.tokens === undefined
    ? { verdict: answer.verdict }
    : { verdict: answer.verdict, tokens: answer.tokens };
}

function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError" || err.name === "AbortError") return "timeout";
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("UND_ERR_")) return code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
    return err.message.slice(0, 120);
  }
  return "unknown error";
}
