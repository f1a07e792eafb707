/**
 * The recognition confidence the gateway gives one prompt: the prompt sent as a chat call with one
 * image URL, classified by the real pipeline (rules, terse asks, unreadable scripts, and the model
 * when one is given). Shared by hold-out scoring and cross-validation.
 */
import { resolve } from "node:path";
import { loadConfig } from "../../src/config/index.js";
import { MemoryFrameWindowStore } from "../../src/pipeline/classify-request/frame-rate.js";
import { loadCameraCatalogue } from "../../src/pipeline/classify-request/images/camera-catalogue.js";
import { createExifReader } from "../../src/pipeline/classify-request/images/exif.js";
import { classifyRequest } from "../../src/pipeline/classify-request/index.js";
import { routeOf } from "../../src/pipeline/classify-request/operation.js";
import type { Confidence } from "../../src/pipeline/classify-request/purposes/confidence.js";
import type { PurposeModel } from "../../src/pipeline/classify-request/purposes/model/purpose-model.js";

/** Classifies prompts as a US police tenant's chat call with an image, as the gateway would. */
export function gatewayView(root: string, model: PurposeModel | undefined) {
  const config = loadConfig(resolve(root, "config/demo.yaml"));
  const tenant = config.tenants.get("metro-pd")!;
  const deps = {
    frames: new MemoryFrameWindowStore(),
    exif: createExifReader({
      catalogue: loadCameraCatalogue(config.classification.cameraCatalogue),
    }),
    liveFrameRate: { frames: 1_000_000, withinMs: 1 },
    ...(model === undefined ? {} : { model }),
  };
  const route = routeOf("/openai/deployments/gpt-4o/chat/completions");
  return async (text: string): Promise<Confidence> => {
    const parsed = {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text },
            { type: "image_url", image_url: { url: "https://evidence.example/frame.jpg" } },
          ],
        },
      ],
    };
    const raw = Buffer.from(JSON.stringify(parsed));
    const facts = await classifyRequest(
      {
        route,
        headers: {},
        body: { kind: "json", raw, parsed },
        tenant,
        now: Date.now(),
        whatIf: true,
      },
      deps,
    );
    return facts.recognitionConfidence;
  };
}
