/**
 * In-process microbenchmarks of the two pure stages that run on every request: the policy engine
 * (decisions per second, memo hit and miss, the default pack and a 100-policy pack) and request
 * classification (microseconds per request with 10 images). They use the compiled modules of
 * src/ directly, configured from bench/gateway.yaml like the gateway child.
 */
import { loadConfig, type RuntimeTenant } from "../src/config/index.js";
import type { RequestFacts } from "../src/pipeline/classify-request/facts.js";
import { MemoryFrameWindowStore } from "../src/pipeline/classify-request/frame-rate.js";
import { type ClassifierDeps, classifyRequest } from "../src/pipeline/classify-request/index.js";
import { routeOf } from "../src/pipeline/classify-request/operation.js";
import { ensurePurposeModel } from "../src/pipeline/classify-request/purposes/model/shipped.js";
import {
  compilePolicyEngine,
  loadPolicySources,
  type PolicyEngine,
  type PolicyInput,
} from "../src/pipeline/evaluate-policy/index.js";
import { buildGeneration } from "../src/runtime/generation.js";
import {
  ALLOWED_PROMPT,
  CHAT_PATH,
  DENIED_PROMPT,
  imageChatBody,
  jpegOfSize,
  tenImages,
  textChatBody,
} from "./payloads.js";

/**
 * Runs `fn` repeatedly for about `ms` milliseconds; returns microseconds of this process's CPU time
 * per call (CPU, not wall time, so other work on the machine inflates the figure less).
 */
async function timeIt(ms: number, fn: () => unknown): Promise<{ us: number; calls: number }> {
  const warm = performance.now() + Math.min(200, ms / 4);
  while (performance.now() < warm) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
  let calls = 0;
  const cpu0 = process.cpuUsage();
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) {
      const r = fn();
      if (r instanceof Promise) await r;
    }
    calls += 64;
  }
  const cpu = process.cpuUsage(cpu0);
  return { us: (cpu.user + cpu.system) / calls, calls };
}

/** A 1 KB prompt of the kind the purpose model reads: a long, benign request about a photo. */
const ONE_KB_PROMPT = (
  "Please look at the attached photo from the community centre open day and write a short, " +
  "friendly caption for our newsletter. Mention the bright weather, the bouncy castle on the " +
  "left, the stall selling cakes and the crowd gathered near the stage. Keep it under sixty " +
  "words, avoid naming anyone, and use British spelling. If the picture is too dark to see the " +
  "stage, say so and suggest we use another photo instead. "
)
  .repeat(3)
  .slice(0, 1024);

/** `count` valid policies that never match the benchmark's tenants. */
export function extraPolicies(count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(3, "0");
    const head = `@id("bench-extra-${n}")\n@reason("benchmark filler ${n}: never matches")\n`;
    switch (i % 4) {
      case 0:
        out.push(
          `${head}forbid (principal, action, resource)\nwhen { principal.tenantId == "bench-nobody-${n}" && context.imageCount > ${i} };`,
        );
        break;
      case 1:
        out.push(
          `${head}permit (principal, action == Action::"embeddings", resource)\nwhen { principal.tenantId == "bench-nobody-${n}" && context.purposes.contains("face-analysis") };`,
        );
        break;
      case 2:
        out.push(
          `${head}forbid (principal, action, resource == Deployment::"bench-deployment-${n}")\nwhen { context.capture == "live" && context.cameraSource == "drone" };`,
        );
        break;
      default:
        out.push(
          `${head}forbid (principal, action == Action::"analyzeImage", resource)\nwhen { principal.country == "Z${n}" && context.imageOrigins.contains("file-id") };`,
        );
    }
  }
  return `${out.join("\n\n")}\n`;
}

export interface MicroResults {
  policy: {
    packs: { name: string; policies: number; hitPerS: number; missPerS: number; missUs: number }[];
  };
  classify: {
    tenInlineExifUs: number;
    tenUrlUs: number;
    textOnlyUs: number;
    /** 1 KB of prompt with one image URL: rules, model and scripts (issue 10: at most 100 us). */
    oneKbPromptModelUs: number;
    /** The same with the rules alone (`purposeModel: off`). */
    oneKbPromptRulesUs: number;
    parseTenInlineUs: number;
    tenInlineBodyBytes: number;
  };
}

function facts(
  deps: ClassifierDeps,
  tenant: RuntimeTenant,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<RequestFacts> {
  const input = {
    route: routeOf(CHAT_PATH.split("?")[0]!),
    headers,
    body: {
      kind: "json" as const,
      raw: body,
      parsed: JSON.parse(body.toString("utf8")) as unknown,
    },
    tenant,
    now: Date.now(),
  };
  return Promise.resolve(classifyRequest(input, deps));
}

export async function runMicro(configFile: string, quick: boolean): Promise<MicroResults> {
  const env = {
    ...process.env,
    BENCH_UPSTREAM_URL: "http://127.0.0.1:9",
    BENCH_UPSTREAM_KEY: "unused",
    BENCH_AUDIT_FILE: "/dev/null",
  };
  const config = loadConfig(configFile, env);
  // The purpose model is on by default; load it as the gateway does before its first generation.
  await ensurePurposeModel();
  const generation = buildGeneration(config, [], new MemoryFrameWindowStore());
  const deps = generation.classifier;
  const commercial = config.tenants.get("bench-commercial")!;
  const police = config.tenants.get("bench-police")!;
  const ms = quick ? 300 : 1500;

  // Three representative inputs: text allowed, image allowed, recognition by US police.
  const image = jpegOfSize(100 * 1024);
  const inputs: PolicyInput[] = [
    { agency: commercial.agency, facts: await facts(deps, commercial, textChatBody()) },
    {
      agency: commercial.agency,
      facts: await facts(deps, commercial, imageChatBody(ALLOWED_PROMPT, [image])),
    },
    {
      agency: police.agency,
      facts: await facts(deps, police, imageChatBody(DENIED_PROMPT, [image]), {
        "x-gateway-purpose": "facial-identification",
      }),
    },
  ];

  const sources = loadPolicySources(config.policy.schema, [...config.policy.files], config.baseDir);
  const defaultCount = generation.policy.policyCount;
  const hundred = {
    ...sources,
    policies: [
      ...sources.policies,
      { path: "bench/extra.cedar", text: extraPolicies(100 - defaultCount) },
    ],
  };
  const packs: MicroResults["policy"]["packs"] = [];
  for (const [name, src] of [
    ["default pack", sources],
    ["100 policies", hundred],
  ] as const) {
    const withMemo: PolicyEngine = compilePolicyEngine(src);
    const noMemo: PolicyEngine = compilePolicyEngine(src, { memoSize: 0 });
    let i = 0;
    const hit = await timeIt(ms, () => withMemo.evaluate(inputs[i++ % inputs.length]!));
    const miss = await timeIt(ms, () => noMemo.evaluate(inputs[i++ % inputs.length]!));
    const stats = withMemo.memoStats();
    if (stats.misses > inputs.length) throw new Error(`memo missed ${stats.misses} times`);
    packs.push({
      name,
      policies: withMemo.policyCount,
      hitPerS: 1e6 / hit.us,
      missPerS: 1e6 / miss.us,
      missUs: miss.us,
    });
  }

  const tenInline = imageChatBody(ALLOWED_PROMPT, tenImages());
  const tenUrl = Buffer.from(
    JSON.stringify({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: ALLOWED_PROMPT },
            ...Array.from({ length: 10 }, (_, k) => ({
              type: "image_url",
              image_url: { url: `https://example.com/frames/${k}.jpg` },
            })),
          ],
        },
      ],
    }),
  );
  const route = routeOf(CHAT_PATH.split("?")[0]!);
  const classify = (body: Buffer) => {
    const parsed = JSON.parse(body.toString("utf8")) as unknown;
    return () =>
      classifyRequest(
        {
          route,
          headers: {},
          body: { kind: "json", raw: body, parsed },
          tenant: commercial,
          now: Date.now(),
        },
        deps,
      );
  };
  // Issue 10's budget: 1 KB of prompt with an image in play, classified with the model and without.
  const oneKb = Buffer.from(
    JSON.stringify({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: ONE_KB_PROMPT },
            { type: "image_url", image_url: { url: "https://example.com/frames/0.jpg" } },
          ],
        },
      ],
    }),
  );
  const { model: _model, ...rulesOnly } = deps;
  const classifyWith = (d: ClassifierDeps) => {
    const parsed = JSON.parse(oneKb.toString("utf8")) as unknown;
    return () =>
      classifyRequest(
        {
          route,
          headers: {},
          body: { kind: "json", raw: oneKb, parsed },
          tenant: commercial,
          now: Date.now(),
        },
        d,
      );
  };
  if (deps.model === undefined) throw new Error("the purpose model did not load");
  const check = await facts(deps, commercial, tenInline);
  if (check.images.count !== 10) throw new Error(`classified ${check.images.count} images, not 10`);
  return {
    policy: { packs },
    classify: {
      tenInlineExifUs: (await timeIt(ms, classify(tenInline))).us,
      tenUrlUs: (await timeIt(ms, classify(tenUrl))).us,
      textOnlyUs: (await timeIt(ms, classify(textChatBody()))).us,
      oneKbPromptModelUs: (await timeIt(ms, classifyWith(deps))).us,
      oneKbPromptRulesUs: (await timeIt(ms, classifyWith(rulesOnly))).us,
      parseTenInlineUs: (await timeIt(ms, () => JSON.parse(tenInline.toString("utf8")))).us,
      tenInlineBodyBytes: tenInline.length,
    },
  };
}
