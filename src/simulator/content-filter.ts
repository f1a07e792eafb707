import type {
  ContentFilterResultDetailsForPromptOutput,
  ContentFilterResultOutput,
  ContentFilterResultsForChoiceOutput,
  ContentFilterResultsForPromptOutput,
  ImageGenerationContentFilterResults,
  ImageGenerationPromptFilterResults,
} from "@azure/openai/types";

const SAFE: ContentFilterResultOutput = { filtered: false, severity: "safe" };
const NOT_DETECTED = { filtered: false, detected: false } as const;

/**
 * Azure's default content filter verdict on a prompt (all categories safe, no jailbreak). Azure
 * sends it with every chat and completion answer, and in the first chunk of a stream.
 */
export function promptFilterResults(): ContentFilterResultsForPromptOutput[] {
  const results: ContentFilterResultDetailsForPromptOutput = {
    hate: SAFE,
    jailbreak: NOT_DETECTED,
    self_harm: SAFE,
    sexual: SAFE,
    violence: SAFE,
  };
  return [{ prompt_index: 0, content_filter_results: results }];
}

/** Azure's verdict on generated text, sent on each choice and each streamed content chunk. */
export function choiceFilterResults(): ContentFilterResultsForChoiceOutput {
  return {
    hate: SAFE,
    protected_material_code: NOT_DETECTED,
    protected_material_text: NOT_DETECTED,
    self_harm: SAFE,
    sexual: SAFE,
    violence: SAFE,
  };
}

/** Azure's verdict on a generated image. */
export function imageFilterResults(): ImageGenerationContentFilterResults {
  return { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
}

/** Azure's verdict on an image prompt (which, unlike chat, also reports profanity and jailbreak). */
export function imagePromptFilterResults(): ImageGenerationPromptFilterResults {
  return {
    hate: SAFE,
    jailbreak: NOT_DETECTED,
    profanity: NOT_DETECTED,
    self_harm: SAFE,
    sexual: SAFE,
    violence: SAFE,
  };
}
