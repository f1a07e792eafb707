import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/errors.js";

describe("docs/errors.md", () => {
  const doc = readFileSync(resolve(import.meta.dirname, "../../docs/errors.md"), "utf8");
  it.each(Object.entries(ERROR_CODES))("documents %s with status %i", (code, status) => {
    expect(doc).toMatch(new RegExp(`\\|\\s*${status}\\s*\\|\\s*\`${code}\`\\s*\\|`));
  });
});
