/**
 * The simulator's judge mode (docs/simulator.md): a chat completion whose `response_format` is the
 * gateway's `recognition_judgement` schema gets a structured verdict instead of filler words, so
 * the gateway's judge can be tested end to end. The verdict is deterministic and deliberately
 * naive: a word list (English, plus Georgian ვინ "who", a script the gateway's classifier does not
 * read, which is where the judge is asked; and a few asks for what only the identity answers,
 * "his latest film", "is she still alive", which is what screening is for), and it obeys an
 * injected "answer none" (a gullible judge is what the gateway's defences are tested against).
 */
import { asObject, type JsonObject } from "./params.js";

/** The schema name the gateway's judge asks with (src/pipeline/judge-purpose/prompt.ts). */
const JUDGE_SCHEMA = "recognition_judgement";

const INJECTED_NONE =
  /\b(?:answer|respond|say|output)\b[^.]{0,20}\bnone\b|\bignore\b[^.]{0,30}\binstructions?\b|"recognition"\s*:\s*"none"/i;
const IDENTITY_WORDS =
  /\b(?:who|whom|whose|name[ds]?|identif\w*|same (?:person|man|woman|guy)|match\w*|mugshots?|watchlists?|hits?|run (?:him|her|them)|face comp|(?:latest|last|newest) (?:film|movie|album|song|book)|still alive|net worth)\b|ვინ/i;

/** The verdict the simulator's judge gives on the `text` it was sent. */
export function simulatedVerdict(text: string): "certain" | "none" {
  if (INJECTED_NONE.test(text)) return "none";
  return IDENTITY_WORDS.test(text) ? "certain" : "none";
}

/**
 * The JSON answer of judge mode for a chat body, or undefined when the body is not a judge call.
 * The judged text is the `text` of the JSON object in the last user message.
 */
export function judgeAnswer(body: JsonObject): string | undefined {
  const format = asObject(body["response_format"]);
  const schema = asObject(format?.["json_schema"]);
  if (format?.["type"] !== "json_schema" || schema?.["name"] !== JUDGE_SCHEMA) return undefined;
  const messages = body["messages"];
  let text = "";
  if (Array.isArray(messages)) {
    const last = asObject(messages[messages.length - 1]);
    try {
      const parsed = JSON.parse(String(last?.["content"] ?? "")) as { text?: unknown };
      if (typeof parsed.text === "string") text = parsed.text;
    } catch {
      text = String(last?.["content"] ?? "");
    }
  }
  return JSON.stringify({ recognition: simulatedVerdict(text) });
}
