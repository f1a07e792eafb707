/**
 * The Azure clouds an upstream can live in, and their Entra authority and Azure OpenAI token
 * scope (docs/operations.md "Sovereign clouds (Azure Government)"). An upstream's `auth` takes
 * its defaults from the cloud its endpoint names, so an `*.openai.azure.us` resource gets the
 * Azure Government authority and scope without more config; explicit values always win.
 */

/** One cloud's Entra authority and Azure OpenAI scope. */
export interface AzureCloud {
  name: "AzurePublicCloud" | "AzureUSGovernment";
  /** Where Entra ID issues tokens (`authorityHost` of `@azure/identity`). */
  authorityHost: string;
  /** The scope of a token for Azure OpenAI (Cognitive Services). */
  scope: string;
}

/** Azure public cloud: `*.openai.azure.com`, `login.microsoftonline.com`. */
export const AZURE_PUBLIC: AzureCloud = Object.freeze({
  name: "AzurePublicCloud",
  authorityHost: "https://login.microsoftonline.com",
  scope: "https://cognitiveservices.azure.com/.default",
});

/** Azure Government: `*.openai.azure.us`, `login.microsoftonline.us`. */
export const AZURE_US_GOVERNMENT: AzureCloud = Object.freeze({
  name: "AzureUSGovernment",
  authorityHost: "https://login.microsoftonline.us",
  scope: "https://cognitiveservices.azure.us/.default",
});

/** The cloud an endpoint belongs to, from its host name; Azure public for anything else. */
export function cloudOfEndpoint(endpoint: string): AzureCloud {
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return AZURE_PUBLIC;
  }
  return host.endsWith(".azure.us") ? AZURE_US_GOVERNMENT : AZURE_PUBLIC;
}
