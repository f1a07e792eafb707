import { beforeEach, describe, expect, it, vi } from "vitest";
import { compileText } from "../../helpers/config.js";

const constructed = vi.hoisted(() => [] as { kind: string; options: unknown }[]);
vi.mock("@azure/identity", () => {
  const fake = (kind: string) =>
    class {
      constructor(options: unknown) {
        constructed.push({ kind, options });
      }
      async getToken() {
        return { token: `${kind}-token`, expiresOnTimestamp: Date.now() + 3_600_000 };
      }
    };
  return {
    DefaultAzureCredential: fake("default"),
    ManagedIdentityCredential: fake("managed-identity"),
  };
});

const { azureCredential } = await import("../../../src/pipeline/forward/entra-id.js");

const upstreamAuth = (endpoint: string, auth: string) => {
  const text = `upstreams:\n  - { name: gov, endpoint: "${endpoint}", auth: ${auth} }\n`;
  return compileText(text).upstreams[0]!.auth;
};

describe("sovereign clouds: upstream Entra ID authority and scope", () => {
  beforeEach(() => {
    constructed.length = 0;
  });

  it("derives Azure Government's authority and scope from an *.openai.azure.us endpoint", () => {
    expect(upstreamAuth("https://pd-east.openai.azure.us", "{ type: entra-id }")).toEqual({
      type: "entra-id",
      scope: "https://cognitiveservices.azure.us/.default",
      managedIdentityClientId: undefined,
      authorityHost: "https://login.microsoftonline.us",
    });
  });

  it("leaves the public cloud's authority to @azure/identity, and takes explicit values as given", () => {
    const pub = upstreamAuth("https://pd.openai.azure.com", "{ type: entra-id }");
    expect(pub).toMatchObject({ scope: "https://cognitiveservices.azure.com/.default" });
    expect(pub.type === "entra-id" && pub.authorityHost).toBeUndefined();
    expect(
      upstreamAuth(
        "https://gateway-proxy.agency.example",
        "{ type: entra-id, authorityHost: 'https://login.microsoftonline.us/', scope: 'https://cognitiveservices.azure.us/.default' }",
      ),
    ).toMatchObject({
      authorityHost: "https://login.microsoftonline.us",
      scope: "https://cognitiveservices.azure.us/.default",
    });
  });

  it("passes the authority to DefaultAzureCredential and ManagedIdentityCredential", async () => {
    await azureCredential(undefined, "https://login.microsoftonline.us").getToken(
      "https://cognitiveservices.azure.us/.default",
    );
    await azureCredential("client-id-1", "https://login.microsoftonline.us").getToken("s");
    await azureCredential(undefined).getToken("s");
    expect(constructed).toEqual([
      { kind: "default", options: { authorityHost: "https://login.microsoftonline.us" } },
      {
        kind: "managed-identity",
        options: { clientId: "client-id-1", authorityHost: "https://login.microsoftonline.us" },
      },
      { kind: "default", options: {} },
    ]);
  });
});
