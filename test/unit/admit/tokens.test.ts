import { describe, expect, it } from "vitest";
import { encodingsOf } from "../../../src/pipeline/admit/tokens.js";

describe("encodings preloaded for a config's models", () => {
  it("loads o200k_base alone when no model needs another encoding", () => {
    expect([...encodingsOf([])]).toEqual(["o200k_base"]);
    expect([...encodingsOf(["gpt-4o", "gpt-4.1-mini", "gpt-5", "some-unknown-model"])]).toEqual([
      "o200k_base",
    ]);
  });

  it("adds cl100k_base when the config names a gpt-4 model", () => {
    expect([...encodingsOf(["gpt-4o", "gpt-4-1106-preview"])].sort()).toEqual([
      "cl100k_base",
      "o200k_base",
    ]);
  });
});
