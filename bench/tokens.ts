/**
 * `npm run bench:tokens` (docs/limits-tokens.md#cost): what a token estimate costs in-process. A
 * fresh process, so the first load of each encoding is measured as a request would pay it; then
 * medians of repeated estimates: a 1 KB chat prompt, 16 KiB and 64 KiB tokenized exactly (prose,
 * and Han text without spaces, the tokenizer's worst case), and 1 MB prompts past the budget.
 * Prompts vary from run to run so the tokenizer's merge cache does not flatter the figures.
 */
import {
  DEFAULT_MAX_TOKENIZED_CHARS,
  type EstimateOptions,
  estimateTokens,
  loadEncoding,
} from "../src/pipeline/limit-tenant/tokens/index.js";

const WORDS = (
  "the officer reviewed footage from a camera mounted near the station before noon and wrote a " +
  "report about a vehicle seen leaving quickly while witnesses described the weather as clear"
).split(" ");

let seed = 1;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

function prose(chars: number): string {
  const out: string[] = [];
  let length = 0;
  while (length < chars) {
    const word = WORDS[Math.floor(random() * WORDS.length)]!;
    const suffix = random() < 0.2 ? String(Math.floor(random() * 1000)) : "";
    out.push(word + suffix);
    length += word.length + suffix.length + 1;
  }
  return out.join(" ").slice(0, chars);
}

function han(chars: number): string {
  const codes = new Array<number>(chars);
  for (let i = 0; i < chars; i++) codes[i] = 0x4e00 + Math.floor(random() * 20_000);
  let s = "";
  for (let i = 0; i < chars; i += 8192) s += String.fromCharCode(...codes.slice(i, i + 8192));
  return s;
}

async function firstLoad(name: "o200k_base" | "cl100k_base"): Promise<number> {
  const started = performance.now();
  const count = await loadEncoding(name);
  count("warm");
  return performance.now() - started;
}

/** Median milliseconds of `runs` estimates, each on a fresh input from `make`. */
async function median(
  runs: number,
  make: () => string[],
  options: EstimateOptions = {},
): Promise<{ ms: number; method: string; tokens: number }> {
  const times: number[] = [];
  let method = "";
  let tokens = 0;
  for (let i = 0; i < runs; i++) {
    const texts = make();
    const started = performance.now();
    const estimate = await estimateTokens(
      { model: "gpt-4o", texts, messages: texts.length, images: [], defaultMaxOutputTokens: 0 },
      options,
    );
    times.push(performance.now() - started);
    method = estimate.method.text;
    tokens = estimate.input;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, method, tokens };
}

const o200kLoad = await firstLoad("o200k_base");
const cl100kLoad = await firstLoad("cl100k_base");
console.log(
  `first load: o200k_base ${o200kLoad.toFixed(1)} ms, cl100k_base ${cl100kLoad.toFixed(1)} ms`,
);
console.log(`budget: ${DEFAULT_MAX_TOKENIZED_CHARS} characters tokenized at most`);

const rows: [string, () => string[], EstimateOptions, number][] = [
  ["1 KB chat prompt", () => ["You are a careful assistant.", prose(1000)], {}, 200],
  ["16 KiB prose, tokenized", () => [prose(16 * 1024)], {}, 30],
  ["16 KiB Han, tokenized", () => [han(16 * 1024)], {}, 10],
  ["64 KiB prose, tokenized", () => [prose(64 * 1024)], { maxTokenizedChars: 64 * 1024 }, 10],
  ["64 KiB Han, tokenized", () => [han(64 * 1024)], { maxTokenizedChars: 64 * 1024 }, 5],
  ["1 MB prose, sampled", () => [prose(1024 * 1024)], {}, 20],
  ["1 MB Han, sampled", () => [han(1024 * 1024)], {}, 10],
];
for (const [label, make, options, runs] of rows) {
  const { ms, method, tokens } = await median(runs, make, options);
  console.log(`${label.padEnd(26)} ${ms.toFixed(2).padStart(8)} ms  ${method} ${tokens} tokens`);
}
