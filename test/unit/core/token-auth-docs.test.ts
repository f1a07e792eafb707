/** The config snippets of docs/operations.md "Entra ID tenant auth" and "Sovereign clouds" load. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compileConfig } from "../../../src/config/compile.js";
import { parseConfig } from "../../../src/config/load.js";

const doc = readFileSync(resolve(import.meta.dirname, "../../../docs/operations.md"), "utf8");
const section = (title: string) => {
  const from = doc.indexOf(`## ${title}`);
  const to = doc.indexOf("\n## ", from + 3);
  return doc.slice(from, to === -1 ? undefined : to);
};
const yamlBlocks = (text: string) =>
  [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
const BASE = `upstreams:\n  - { name: primary, endpoint: simulator, auth: { type: api-key, apiKey: "" } }\n`;
const load = (snippet: string) => {
  const text = snippet.includes("upstreams:") ? snippet : BASE + snippet;
  return compileConfig(parseConfig(text, "/etc/gw/gateway.yaml", {}), "/etc/gw/gateway.yaml");
};

describe("docs/operations.md token auth and sovereign cloud snippets", () => {
  it("loads the Entra ID tenant auth example", () => {
    const [snippet] = yamlBlocks(section("Entra ID tenant auth"));
    const c = load(snippet!);
    expect(c.apps.get("9c4e7b12-5d3a-4f86-b2e1-7a0d3c6f5e98")).toEqual({
      tenantId: "evidence-cloud",
      customerId: "city-pd",
    });
  });

  it("loads the Azure Government example, with the Government authority and scope", () => {
    const [snippet] = yamlBlocks(section("Sovereign clouds (Azure Government)"));
    const c = load(snippet!);
    for (const u of c.upstreams) {
      expect(u.auth).toMatchObject({
        authorityHost: "https://login.microsoftonline.us",
        scope: "https://cognitiveservices.azure.us/.default",
      });
    }
    expect(c.tokenAuth?.issuers[0]?.issuer).toMatch(/^https:\/\/login\.microsoftonline\.us\//);
  });
});
