/**
 * Loads the tokenizer encodings on first use, once per process: each is a large module (o200k_base
 * about 2.4 MB of ranks, some 200 ms to load), so a gateway that never estimates never pays for
 * it, and `preloadEncodings` lets start-up pay instead of the first request. Special-token text
 * (`<|endoftext|>`) in a prompt is counted as the ordinary text it is, never as a special token
 * and never as an error.
 */
import type { EncodingName } from "./families.js";

/** Counts the tokens of one string with one encoding. */
export type TokenCounter = (text: string) => number;

/** What the gateway uses of a gpt-tokenizer encoding module. */
interface EncodingModule {
  countTokens(text: string, options: { disallowedSpecial: Set<string> }): number;
  setMergeCacheSize(size: number): void;
}

/**
 * Entries in each encoding's cache of merged pieces (gpt-tokenizer's default is 100,000). Pieces
 * are at most 128 characters here (text-tokens.ts), so the cache stays near 17 MB even when every
 * piece is new (measured with Han text), and still holds a prompt's common words. The setting is
 * process-wide; this module is gpt-tokenizer's only user.
 */
const MERGE_CACHE_ENTRIES = 10_000;

const ORDINARY = { disallowedSpecial: new Set<string>() };

const IMPORTS: Readonly<Record<EncodingName, () => Promise<EncodingModule>>> = {
  o200k_base: () => import("gpt-tokenizer/encoding/o200k_base"),
  cl100k_base: () => import("gpt-tokenizer/encoding/cl100k_base"),
};

const loading = new Map<EncodingName, Promise<TokenCounter>>();

/** The counter of `name`, importing the encoding on the first call; a failed import is retried. */
export function loadEncoding(name: EncodingName): Promise<TokenCounter> {
  let counter = loading.get(name);
  if (counter === undefined) {
    counter = IMPORTS[name]().then((encoding) => {
      encoding.setMergeCacheSize(MERGE_CACHE_ENTRIES);
      return (text: string) => encoding.countTokens(text, ORDINARY);
    });
    counter.catch(() => loading.delete(name));
    loading.set(name, counter);
  }
  return counter;
}

/**
 * Loads `names` now (start-up), so that no request waits for them; by default every encoding.
 * Each loaded encoding stays on the JavaScript heap for the life of the process (o200k_base about
 * 20 MB, cl100k_base about 10 MB), where every mark-compact of the old generation traces it again,
 * so the gateway preloads only those its config's models need (`prepareTokenEstimates`).
 */
export async function preloadEncodings(
  names: Iterable<EncodingName> = Object.keys(IMPORTS) as EncodingName[],
): Promise<void> {
  await Promise.all([...names].map((name) => loadEncoding(name)));
}
