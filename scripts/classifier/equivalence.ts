/**
 * Equivalence check for classifier speed-ups: two builds of the gateway classify every prompt of
 * `data/purpose/train/*.jsonl` and `data/purpose/validation.jsonl` in one process, and every
 * difference in the request facts (purposes, evidence, confidence, with the model and with the
 * rules alone) or in the model's probability of each conversation (beyond 1e-9) is reported. A
 * change meant only to make classification cheaper must report none.
 *
 *   node dist/scripts/classifier/equivalence.js OLD_DIR [NEW_DIR] [--shard=k/n] [--limit=N]
 *
 * A DIR is a checkout (or `git archive` copy) holding `dist/` and reaching `models/` and `config/`
 * beside it; NEW_DIR defaults to this build. Each prompt is sent as a chat call with an image
 * (as gateway-view.ts does), as a conversation of its lines when it has several, and every eighth
 * prompt starts a long call: seven prompts as a system message, the eighth as the user's.
 */
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { jsonlFiles, readJsonl } from "./examples.js";

type ClassifyModule = typeof import("../../src/pipeline/classify-request/index.js");
type ConfigModule = typeof import("../../src/config/index.js");
type ShippedModule = typeof import("../../src/pipeline/classify-request/purposes/model/shipped.js");
type OperationModule = typeof import("../../src/pipeline/classify-request/operation.js");
type ExifModule = typeof import("../../src/pipeline/classify-request/images/exif.js");
type CatalogueModule =
  typeof import("../../src/pipeline/classify-request/images/camera-catalogue.js");
type FramesModule = typeof import("../../src/pipeline/classify-request/frame-rate.js");

/**
 * What one build says about one request: its facts with and without the model, and the scores;
 * or, for a request it refuses (a line that is a `data:` URL), the error both hold.
 */
interface Verdict {
  withModel: string;
  rulesOnly: string;
  probabilities: number[];
}

/** The verdict, or the refusal as one. */
function verdictOf(judge: (body: unknown) => Verdict, body: unknown): Verdict {
  try {
    return judge(body);
  } catch (e) {
    const refusal = `refused: ${(e as Error).message}`;
    return { withModel: refusal, rulesOnly: refusal, probabilities: [] };
  }
}

/** Loads one build and returns its classification of a chat body. */
async function build(dir: string): Promise<(body: unknown) => Verdict> {
  const load = <T>(path: string): Promise<T> =>
    import(pathToFileURL(join(dir, "dist", path)).href) as Promise<T>;
  const classify = await load<ClassifyModule>("src/pipeline/classify-request/index.js");
  const config = await load<ConfigModule>("src/config/index.js");
  const shipped = await load<ShippedModule>(
    "src/pipeline/classify-request/purposes/model/shipped.js",
  );
  const operation = await load<OperationModule>("src/pipeline/classify-request/operation.js");
  const exif = await load<ExifModule>("src/pipeline/classify-request/images/exif.js");
  const catalogue = await load<CatalogueModule>(
    "src/pipeline/classify-request/images/camera-catalogue.js",
  );
  const frames = await load<FramesModule>("src/pipeline/classify-request/frame-rate.js");
  const model = await shipped.ensurePurposeModel();
  if (model === undefined) throw new Error(`no purpose model in ${dir}`);
  const cfg = config.loadConfig(resolve(dir, "config/demo.yaml"));
  const tenant = cfg.tenants.get("metro-pd")!;
  const rules = {
    frames: new frames.MemoryFrameWindowStore(),
    exif: exif.createExifReader({
      catalogue: catalogue.loadCameraCatalogue(cfg.classification.cameraCatalogue),
    }),
    liveFrameRate: { frames: 1_000_000, withinMs: 1 },
  };
  // The model's probabilities, as classification asks for them (one per conversation).
  let probabilities: number[] = [];
  const recording = {
    card: model.card,
    score: (text: string) => {
      const p = model.score(text);
      probabilities.push(p);
      return p;
    },
    // Builds from stop 50 on read a text with its length (thresholds by length).
    read: (text: string) => {
      const reading = model.read(text);
      probabilities.push(reading.probability);
      return reading;
    },
  } as unknown as typeof model;
  const withModel = { ...rules, model: recording };
  const route = operation.routeOf("/openai/deployments/gpt-4o/chat/completions");
  return (parsed) => {
    const input = {
      route,
      headers: {},
      body: { kind: "json" as const, raw: Buffer.from(JSON.stringify(parsed)), parsed },
      tenant,
      now: 1_700_000_000_000,
      whatIf: true,
    };
    const inspection = classify.inspectBody(input, rules);
    probabilities = [];
    const facts = JSON.stringify(classify.factsOf(input, inspection, withModel));
    return {
      withModel: facts,
      rulesOnly: JSON.stringify(classify.factsOf(input, inspection, rules)),
      probabilities,
    };
  };
}

const IMAGE = { type: "image_url", image_url: { url: "https://evidence.example/frame.jpg" } };

/** The chat bodies made from the prompts (see the file comment). */
function* bodies(texts: readonly string[]): Generator<[string, unknown]> {
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!;
    yield [
      `#${i} chat`,
      { messages: [{ role: "user", content: [{ type: "text", text }, IMAGE] }] },
    ];
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    if (lines.length > 1) {
      const messages = lines.map((line, k) => ({
        role: k % 2 === 0 ? "user" : "assistant",
        content: k === lines.length - 1 ? [{ type: "text", text: line }, IMAGE] : line,
      }));
      if (lines.length % 2 === 0) messages[messages.length - 1]!.role = "user";
      yield [`#${i} lines`, { messages }];
    }
    if (i % 8 === 0 && i + 8 <= texts.length) {
      const system = texts.slice(i, i + 7).join(" ");
      const ask = texts[i + 7]!;
      yield [
        `#${i} long`,
        {
          messages: [
            { role: "system", content: system },
            { role: "user", content: [{ type: "text", text: ask }, IMAGE] },
          ],
        },
      ];
    }
  }
}

/** Every prompt of the training files and the validation split, in a fixed order. */
function prompts(root: string): string[] {
  const files = [
    ...jsonlFiles(join(root, "data/purpose/train")),
    join(root, "data/purpose/validation.jsonl"),
  ];
  return files.flatMap((file) => readJsonl(file, file).map((e) => e.text));
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(0);

async function main(): Promise<void> {
  const here = fileURLToPath(new URL("../../../", import.meta.url));
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const option = (name: string) =>
    process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (args[0] === undefined) throw new Error("usage: equivalence.js OLD_DIR [NEW_DIR]");
  const [shard, shards] = (option("shard") ?? "0/1").split("/").map(Number) as [number, number];
  const limit = Number(option("limit") ?? Number.POSITIVE_INFINITY);
  const before = await build(resolve(args[0]));
  const after = await build(resolve(args[1] ?? here));
  const texts = prompts(here);
  let compared = 0;
  let differences = 0;
  let index = 0;
  const started = Date.now();
  for (const [name, body] of bodies(texts)) {
    if (index++ % shards !== shard) continue;
    if (compared >= limit) break;
    compared++;
    const a = verdictOf(before, body);
    const b = verdictOf(after, body);
    const problems: string[] = [];
    if (a.withModel !== b.withModel) problems.push(`with model: ${a.withModel} != ${b.withModel}`);
    if (a.rulesOnly !== b.rulesOnly) problems.push(`rules only: ${a.rulesOnly} != ${b.rulesOnly}`);
    if (
      a.probabilities.length !== b.probabilities.length ||
      a.probabilities.some((p, k) => !(Math.abs(p - b.probabilities[k]!) <= 1e-9))
    ) {
      problems.push(`probabilities: ${a.probabilities} != ${b.probabilities}`);
    }
    if (compared % 10_000 === 0) {
      process.stderr.write(`${compared} compared, ${differences} differ, ${seconds(started)} s\n`);
    }
    if (problems.length > 0) {
      differences++;
      if (differences <= 20) {
        process.stdout.write(`${name}: ${JSON.stringify(body).slice(0, 300)}\n`);
        for (const p of problems) process.stdout.write(`  ${p}\n`);
      }
    }
  }
  process.stdout.write(
    `${texts.length} prompts, ${compared} requests compared (shard ${shard}/${shards}), ` +
      `${differences} with differences, ${seconds(started)} s\n`,
  );
  process.exitCode = differences === 0 ? 0 : 1;
}

await main();
