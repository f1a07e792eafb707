/**
 * The deployment files under docker/ are reviewed on paper (no Docker engine or cluster runs here),
 * so this test checks what can be checked without one: the Dockerfile, compose file and Kubernetes
 * manifests parse; every file they name exists and is in the build context; ports, probes and
 * Services agree with the configs they run; secrets come from Secrets; containers run as non-root;
 * and the /etc/policy-gateway/ layout that each of them produces (image COPYs, compose bind mounts,
 * the kubectl ConfigMap commands plus the projected volume items) is materialised in a temporary
 * directory and loaded with the real config loader, Cedar policies and camera catalogue, with the
 * environment each container gets, so a typo or a forgotten policy file fails here.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { loadConfig, type RuntimeConfig } from "../../../src/config/index.js";
import { MemoryFrameWindowStore } from "../../../src/pipeline/classify-request/frame-rate.js";
import { buildGeneration } from "../../../src/runtime/generation.js";

const ROOT = resolve(fileURLToPath(new URL("../../../", import.meta.url)));
const repo = (...p: string[]) => join(ROOT, ...p);
const read = (...p: string[]) => readFileSync(repo(...p), "utf8");

const CONFIG_DIR = "/etc/policy-gateway";
const CONFIG_FILE = `${CONFIG_DIR}/gateway.yaml`;
const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
/** A valid `admin.token` (the container configs bind admin to 0.0.0.0 and require one). */
const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

/** Every policy file of the default pack: each must reach /etc/policy-gateway/policies/. */
const POLICY_FILES = readdirSync(repo("config/policies")).filter(
  (f) => f.endsWith(".cedar") || f.endsWith(".cedarschema"),
);

// ---------------------------------------------------------------------------------------------
// Small helpers

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === "object" ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === "string" ? v : String(v ?? ""));

/** Every document of a (multi-document) YAML file, which must parse without errors or warnings. */
function yamlDocs(file: string): Json[] {
  const docs = parseAllDocuments(read(file));
  if (!Array.isArray(docs)) throw new Error(`${file}: not a YAML stream`);
  for (const d of docs) {
    expect(
      d.errors.map((e) => e.message),
      file,
    ).toEqual([]);
    expect(
      d.warnings.map((e) => e.message),
      file,
    ).toEqual([]);
  }
  return docs.map((d) => obj(d.toJS())).filter((d) => Object.keys(d).length > 0);
}

/** Every string in a parsed YAML value (comments excluded). */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

/** The `${NAME}` / `${NAME:-default}` variables a config file uses, with whether they have a default. */
function configVariables(text: string): Map<string, { required: boolean }> {
  const vars = new Map<string, { required: boolean }>();
  for (const s of strings(parse(text))) {
    for (const m of s.matchAll(ENV_REF)) {
      const name = m[1]!;
      const required = m[2] === undefined;
      vars.set(name, { required: required || (vars.get(name)?.required ?? false) });
    }
  }
  return vars;
}

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/**
 * Writes a container file system layout (absolute container path -> repository file) into a fresh
 * temporary directory and returns it; container paths live under it.
 */
function materialise(layout: Map<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "gw-deploy-"));
  tmpDirs.push(root);
  for (const [target, source] of layout) {
    const dest = join(root, target);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(source, dest);
  }
  return root;
}

/** Loads the config at /etc/policy-gateway/gateway.yaml of a layout the way `serve` and `check` do. */
function startable(layout: Map<string, string>, env: NodeJS.ProcessEnv): RuntimeConfig {
  for (const required of [
    CONFIG_FILE,
    `${CONFIG_DIR}/cameras.yaml`,
    ...POLICY_FILES.map((f) => `${CONFIG_DIR}/policies/${f}`),
  ]) {
    expect(layout.has(required), `${required} is in the layout`).toBe(true);
  }
  const root = materialise(layout);
  const config = loadConfig(join(root, CONFIG_FILE), env);
  // Policies (validated against the Cedar schema) and the camera catalogue, as `check` loads them.
  const generation = buildGeneration(config, [], new MemoryFrameWindowStore());
  expect(generation.policy.policyCount).toBeGreaterThan(0);
  for (const f of config.policy.files) expect(f.startsWith(join(root, CONFIG_DIR))).toBe(true);
  return config;
}

/** Adds a repository file or directory (recursively) to a layout at `target`. */
function addToLayout(layout: Map<string, string>, source: string, target: string): void {
  expect(existsSync(source), `${relative(ROOT, source)} exists`).toBe(true);
  if (statSync(source).isDirectory()) {
    for (const entry of readdirSync(source)) {
      addToLayout(layout, join(source, entry), posix.join(target, entry));
    }
  } else {
    layout.set(target, source);
  }
}

// ---------------------------------------------------------------------------------------------
// The configs shipped under docker/config/

describe("docker/config: container configs", () => {
  it("ships no tenants, like the production example: README.md's demo keys never work in the image", () => {
    const container = obj(parse(read("docker/config/gateway.yaml")));
    const production = obj(parse(read("config/gateway.yaml")));
    expect(container.tenants).toEqual([]);
    expect(production.tenants).toEqual([]);
    expect(read("docker/config/gateway.yaml")).not.toMatch(/sha256:[0-9a-f]{64}/);
  });

  it("offers a valid Entra ID variant: the commented auth line compiles", () => {
    const text = read("docker/config/gateway.yaml");
    const apiKeyLine = /^( *)auth: \{ type: api-key.*$/m;
    const entraLine = /^( *)# (auth: \{ type: entra-id \})$/m;
    expect(text).toMatch(apiKeyLine);
    expect(text).toMatch(entraLine);
    const variant = text.replace(apiKeyLine, "").replace(entraLine, "$1$2");
    const layout = imageLayout();
    const root = materialise(layout);
    writeFileSync(join(root, CONFIG_FILE), variant);
    const config = loadConfig(join(root, CONFIG_FILE), {
      AZURE_OPENAI_ENDPOINT: "https://my-resource.openai.azure.com",
      GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    expect(config.upstreams[0]?.auth.type).toBe("entra-id");
  });
});

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (pending === "" && /^\s*#/.test(line)) continue; // comments and the syntax directive
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    if (full !== "") logical.push(full);
  }
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile: cannot parse \`${line}\``);
    const op = m[1]!.toUpperCase();
    const rest = m[2]!;
    if (op === "ARG" && stages.length === 0) {
      const [name, value = ""] = rest.split("=", 2);
      args.set(name!.trim(), value.trim());
    } else if (op === "FROM") {
      const fm = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest.trim());
      if (!fm) throw new Error(`Dockerfile: cannot parse \`${line}\``);
      const from = fm[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_s, a, b) => args.get(a ?? b) ?? "");
      stages.push({ from, name: fm[2], instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile: \`${op}\` before FROM`);
      stage.instructions.push({ op, args: rest });
    }
  }
  return { args, stages };
}

/** COPY's flags, sources and destination (shell form; the Dockerfile uses no JSON form COPY). */
function parseCopy(args: string): { from: string | undefined; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith("--"));
  const rest = words.filter((w) => !w.startsWith("--"));
  const from = flags.find((f) => f.startsWith("--from="))?.slice("--from=".length);
  return { from, sources: rest.slice(0, -1), dest: rest.at(-1)! };
}

/** A `.dockerignore` matcher for the pattern forms used there (`*`, `**`, no negation). */
function dockerIgnored(path: string): boolean {
  const patterns = read(".dockerignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  expect(
    patterns.some((p) => p.startsWith("!")),
    "no negated patterns",
  ).toBe(false);
  const toRegExp = (p: string) =>
    new RegExp(
      `^${p
        .replace(/^\/+|\/+$/g, "")
        .split("/")
        .map((seg) =>
          seg === "**"
            ? "(?:.*)"
            : seg
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]"),
        )
        .join("/")
        .replace(/\(\?:\.\*\)\//g, "(?:.*/)?")}$`,
    );
  const segments = path.replace(/\/+$/, "").split("/");
  const prefixes = segments.map((_s, i) => segments.slice(0, i + 1).join("/"));
  return patterns.some((p) => prefixes.some((prefix) => toRegExp(p).test(prefix)));
}

const dockerfile = parseDockerfile(read("docker/Dockerfile"));
const finalStage = dockerfile.stages.at(-1)!;
const finalOps = (op: string) => finalStage.instructions.filter((i) => i.op === op);
const jsonArgs = (i: Instruction | undefined): string[] => JSON.parse(i?.args ?? "null") ?? [];

/** The /etc/policy-gateway layout of the image, from the final stage's COPY instructions. */
function imageLayout(): Map<string, string> {
  const layout = new Map<string, string>();
  for (const copy of finalOps("COPY").map((i) => parseCopy(i.args))) {
    if (copy.from !== undefined) continue;
    for (const src of copy.sources) {
      if (!copy.dest.startsWith(CONFIG_DIR)) continue;
      // A file copied to `dir/` keeps its name; a directory's contents are copied into dest.
      const source = repo(src);
      const intoDir = copy.dest.endsWith("/") && statSync(source).isFile();
      addToLayout(layout, source, intoDir ? posix.join(copy.dest, basename(src)) : copy.dest);
    }
  }
  return layout;
}

describe("docker/Dockerfile", () => {
  it("is multi-stage on the Node 20 image, pinned by major version", () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(3);
    for (const s of dockerfile.stages) expect(s.from).toMatch(/^node:20[-.]/);
  });

  it("builds with npm ci + npm run build and ships production dependencies only", () => {
    const runs = (s: Stage) => s.instructions.filter((i) => i.op === "RUN").map((i) => i.args);
    const build = dockerfile.stages.find((s) => runs(s).some((r) => r.includes("npm run build")));
    const deps = dockerfile.stages.find((s) => runs(s).some((r) => /npm ci\b.*--omit=dev/.test(r)));
    expect(build, "a stage runs npm run build").toBeDefined();
    expect(runs(build!).some((r) => /^npm ci\b/.test(r) && !r.includes("--omit"))).toBe(true);
    expect(deps, "a stage runs npm ci --omit=dev").toBeDefined();
    expect(runs(finalStage), "the runtime stage installs nothing").toEqual([]);
    const fromStage = finalOps("COPY")
      .map((i) => parseCopy(i.args))
      .filter((c) => c.from !== undefined);
    expect(fromStage).toContainEqual(
      expect.objectContaining({ from: deps!.name, sources: ["/app/node_modules"] }),
    );
    expect(fromStage).toContainEqual(
      expect.objectContaining({ from: build!.name, sources: ["/app/dist"] }),
    );
    // Every --from names an earlier stage.
    const names = dockerfile.stages.map((s) => s.name);
    for (const c of fromStage) expect(names).toContain(c.from);
  });

  it("copies only files that exist and are in the build context", () => {
    const sources = dockerfile.stages.flatMap((s) =>
      s.instructions
        .filter((i) => i.op === "COPY")
        .map((i) => parseCopy(i.args))
        .filter((c) => c.from === undefined)
        .flatMap((c) => c.sources),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect(existsSync(repo(src)), `COPY ${src}: exists`).toBe(true);
      expect(dockerIgnored(src), `COPY ${src}: not excluded by .dockerignore`).toBe(false);
    }
    for (const path of ["src/cli/main.ts", "package-lock.json", "config/policies/consent.cedar"]) {
      expect(dockerIgnored(path), path).toBe(false);
    }
    for (const path of [".git", "node_modules", "dist", "bench/results", "x/node_modules/y"]) {
      expect(dockerIgnored(path), path).toBe(true);
    }
  });

  it("runs as a non-root user with NODE_ENV=production and package.json (type: module)", () => {
    const user = finalOps("USER").at(-1)?.args.split(":")[0]?.trim();
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    expect(user, "numeric, so runAsNonRoot can verify it").toMatch(/^[1-9][0-9]*$/);
    expect(finalOps("ENV").map((i) => i.args)).toContainEqual(
      expect.stringMatching(/NODE_ENV[= ]production/),
    );
    const copies = finalOps("COPY").map((i) => parseCopy(i.args));
    expect(copies.some((c) => c.from === undefined && c.sources.includes("package.json"))).toBe(
      true,
    );
    expect(JSON.parse(read("package.json")).type).toBe("module");
  });

  it("refuses to start with its admin port open to the network and no admin token", () => {
    expect(() => startable(imageLayout(), { AZURE_OPENAI_ENDPOINT: "simulator" })).toThrow(
      /\/admin\/token: the admin listener binds `0\.0\.0\.0`, beyond this machine, without a token/,
    );
    const guarded = startable(imageLayout(), {
      AZURE_OPENAI_ENDPOINT: "simulator",
      GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    expect(guarded.admin.token.kind).toBe("token");
  });

  it("exposes the ports of its default config and health-checks the admin /healthz", () => {
    const config = startable(imageLayout(), {
      AZURE_OPENAI_ENDPOINT: "simulator",
      GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    const exposed = finalOps("EXPOSE").flatMap((i) => i.args.split(/\s+/));
    expect(exposed).toEqual([String(config.listen.port), String(config.admin.port)]);
    const healthcheck = finalOps("HEALTHCHECK").at(-1)?.args ?? "";
    expect(healthcheck).toContain(`http://127.0.0.1:${config.admin.port}/healthz`);
    // Exec form, valid JSON, with Node's fetch (no curl in slim images).
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf("CMD ") + 4));
    expect(command.slice(0, 2)).toEqual(["node", "-e"]);
  });

  it("runs dist/src/cli/main.js (built from src/cli/main.ts) serving the image's config", () => {
    expect(jsonArgs(finalOps("ENTRYPOINT").at(-1))).toEqual(["node", "dist/src/cli/main.js"]);
    // tsc -p tsconfig.build.json writes src/x.ts to dist/src/x.js.
    const tsconfig = JSON.parse(read("tsconfig.json")).compilerOptions;
    expect([tsconfig.outDir, tsconfig.rootDir]).toEqual(["dist", "."]);
    expect(JSON.parse(read("tsconfig.build.json")).include).toContain("src");
    expect(existsSync(repo("src/cli/main.ts"))).toBe(true);
    expect(JSON.parse(read("package.json")).bin["policy-gateway"]).toBe("dist/src/cli/main.js");
    const cmd = jsonArgs(finalOps("CMD").at(-1));
    expect(cmd).toEqual(["serve", "--config", CONFIG_FILE]);
    expect(imageLayout().get(CONFIG_FILE)).toBe(repo("docker/config/gateway.yaml"));
  });

  it("refuses to start without AZURE_OPENAI_ENDPOINT rather than fall back to the simulator", () => {
    expect(() => startable(imageLayout(), {})).toThrow(/AZURE_OPENAI_ENDPOINT/);
  });
});

// ---------------------------------------------------------------------------------------------
// docker/compose.yaml

/** Compose's own interpolation of `${VAR}`, `${VAR:-default}` and `$$`, with `env` only. */
function composeInterpolate(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === "string") {
    return value
      .replace(/\$\$/g, "\u0000")
      .replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
        const v = env[name];
        return v !== undefined && v !== "" ? v : (fallback ?? "");
      })
      .replace(/\u0000/g, "$");
  }
  if (Array.isArray(value)) return value.map((v) => composeInterpolate(v, env));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, composeInterpolate(v, env)]),
    );
  }
  return value;
}

/** The compose file, interpolated with `env` as `docker compose` would. */
function composeFile(env: NodeJS.ProcessEnv = {}) {
  const [doc] = yamlDocs("docker/compose.yaml");
  const services = obj(obj(composeInterpolate(doc, env)).services);
  const gateway = obj(services.gateway);
  const simulator = obj(services.simulator);
  const gatewayEnv = Object.fromEntries(
    Object.entries(obj(gateway.environment)).map(([k, v]) => [k, str(v)]),
  );
  return { gateway, simulator, env: gatewayEnv };
}

describe("docker/compose.yaml", () => {
  const option = (command: unknown[], flag: string) => {
    const i = command.indexOf(flag);
    return i < 0 ? undefined : str(command[i + 1]);
  };

  it("builds both services from docker/Dockerfile with the repository as context", () => {
    const { gateway, simulator } = composeFile();
    for (const s of [gateway, simulator]) {
      const build = obj(s.build);
      const context = resolve(repo("docker"), str(build.context));
      expect(context).toBe(ROOT);
      expect(existsSync(join(context, str(build.dockerfile)))).toBe(true);
    }
  });

  it("points the gateway at the simulator service, with the simulator's api key", () => {
    const { gateway, simulator, env } = composeFile();
    const command = arr(simulator.command);
    expect(command[0]).toBe("simulate");
    expect(option(command, "--host")).toBe("0.0.0.0");
    expect(command).not.toContain("--faults");
    const key = option(command, "--api-key");
    expect(key).toMatch(/.+/);
    expect(env.AZURE_OPENAI_API_KEY).toBe(key);
    expect(env.AZURE_OPENAI_ENDPOINT).toBe(`http://simulator:${option(command, "--port")}`);
    expect(obj(obj(gateway.depends_on).simulator).condition).toBe("service_healthy");
    // With SIMULATOR_API_KEY set, both sides still agree.
    const custom = composeFile({ SIMULATOR_API_KEY: "k-123" });
    expect(option(arr(custom.simulator.command), "--api-key")).toBe("k-123");
    expect(custom.env.AZURE_OPENAI_API_KEY).toBe("k-123");
  });

  it("mounts the config layout read-only, and the gateway starts on it with its environment", () => {
    const { gateway, simulator, env } = composeFile();
    const layout = new Map<string, string>();
    for (const v of arr(gateway.volumes).map(str)) {
      const [source, target, mode] = v.split(":");
      expect(mode, `${v}: read-only`).toBe("ro");
      expect(source).toMatch(/^\.\.?\//); // a bind mount of a repository path
      addToLayout(layout, resolve(repo("docker"), source!), target!);
    }
    const config = startable(layout, env);
    expect(config.upstreams[0]?.endpoint).toBe("http://simulator:8090");
    expect(config.listen.host).toBe("0.0.0.0");
    expect(config.admin.host, "published ports reach 0.0.0.0 only").toBe("0.0.0.0");

    const ports = arr(gateway.ports).map(str);
    expect(ports).toContain(`${config.listen.port}:${config.listen.port}`);
    expect(ports).toContain(`127.0.0.1:${config.admin.port}:${config.admin.port}`);
    const adminPublished = ports.filter((p) => p.endsWith(`:${config.admin.port}`));
    for (const p of adminPublished) expect(p.startsWith("127.0.0.1:")).toBe(true);
    expect(simulator.ports, "the simulator is not published").toBeUndefined();

    const check = (s: Json) => arr(obj(s.healthcheck).test).map(str).join(" ");
    expect(check(gateway)).toContain(`http://127.0.0.1:${config.admin.port}/healthz`);
    expect(check(simulator)).toContain(
      `http://127.0.0.1:${option(arr(simulator.command), "--port")}/`,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Kubernetes manifests

/**
 * The ConfigMaps that the kubectl commands in a manifest's header create: name -> key -> file.
 * `kubectl create configmap NAME --from-file=DIR/` takes the regular files directly in DIR (it does
 * not recurse), keyed by file name; `--from-file=KEY=FILE` names the key.
 */
function configMapsFromCommands(file: string): Map<string, Map<string, string>> {
  const maps = new Map<string, Map<string, string>>();
  const readme = read("docker/README.md");
  for (const m of read(file).matchAll(/kubectl create configmap (\S+)((?: --from-file=\S+)+)/g)) {
    expect(readme.includes(m[0]), `docker/README.md shows \`${m[0]}\``).toBe(true);
    const keys = new Map<string, string>();
    for (const spec of m[2]!.trim().split(/\s+/)) {
      const value = spec.slice("--from-file=".length);
      const eq = value.indexOf("=");
      const [key, path] = eq < 0 ? [undefined, value] : [value.slice(0, eq), value.slice(eq + 1)];
      const source = repo(path);
      expect(existsSync(source), `${path} exists`).toBe(true);
      const entries = statSync(source).isDirectory()
        ? readdirSync(source)
            .map((e) => join(source, e))
            .filter((p) => statSync(p).isFile())
            .map((p) => [basename(p), p] as const)
        : [[key ?? basename(source), source] as const];
      for (const [k, p] of entries) {
        expect(k, "a valid ConfigMap key").toMatch(/^[-._a-zA-Z0-9]+$/);
        expect(keys.has(k), `${m[1]}: key ${k} given once`).toBe(false);
        keys.set(k, p);
      }
    }
    maps.set(m[1]!, keys);
  }
  return maps;
}

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: Json }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Json;
  livenessProbe?: Json;
  startupProbe?: Json;
  lifecycle?: Json;
  securityContext?: Json;
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}
interface PodSpec {
  containers: Container[];
  volumes?: ({ name: string } & Json)[];
  securityContext?: Json;
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: unknown[];
  affinity?: Json;
}
interface Workload {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

/** The container file system layout a pod's volumes give the gateway container. */
function podLayout(
  pod: PodSpec,
  container: Container,
  configMaps: Map<string, Map<string, string>>,
): Map<string, string> {
  const layout = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume = obj(pod.volumes?.find((v) => v.name === mount.name));
    expect(Object.keys(volume).length, `volume ${mount.name} is declared`).toBeGreaterThan(0);
    const sources = volume.configMap
      ? [volume]
      : arr(obj(volume.projected).sources).filter((s) => obj(s).configMap);
    if (sources.length === 0) continue; // emptyDir and the like
    expect(mount.subPath, "no subPath: ConfigMap updates must reach the pod").toBeUndefined();
    for (const s of sources) {
      const cm = obj(obj(s).configMap);
      const keys = configMaps.get(str(cm.name));
      expect(keys, `ConfigMap ${str(cm.name)} is created by a command`).toBeDefined();
      const items = cm.items
        ? arr(cm.items).map((i) => [str(obj(i).key), str(obj(i).path)] as const)
        : [...keys!.keys()].map((k) => [k, k] as const);
      for (const [key, path] of items) {
        expect(keys!.has(key), `ConfigMap ${str(cm.name)} has key ${key}`).toBe(true);
        const target = posix.join(mount.mountPath, path);
        expect(layout.has(target), `${target} is projected once`).toBe(false);
        layout.set(target, keys!.get(key)!);
      }
    }
  }
  return layout;
}

/** The container's environment as the gateway sees it; Secret values are placeholders. */
function containerEnv(container: Container): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const e of container.env ?? []) {
    const secret = obj(e.valueFrom?.secretKeyRef);
    env[e.name] = e.value ?? (secret.name ? `secret-${str(secret.name)}-${str(secret.key)}` : "x");
  }
  return env;
}

/** A probe's or port's port number (named ports resolved against the container's ports). */
function portNumber(container: Container, port: unknown): number | undefined {
  if (typeof port === "number") return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

const manifests = [
  { file: "docker/k8s/sidecar.yaml", pattern: "sidecar" },
  { file: "docker/k8s/shared.yaml", pattern: "shared" },
] as const;

/** A manifest's objects, its Deployment's pod and gateway container, and its ConfigMaps. */
function manifest(file: string) {
  const docs = yamlDocs(file);
  const workload = docs.find((d) => d.kind === "Deployment") as unknown as Workload;
  expect(workload, `${file}: a Deployment`).toBeDefined();
  const pod = workload.spec.template.spec;
  const gateway = pod.containers.find((c) => c.name === "policy-gateway")!;
  expect(gateway, `${file}: a container named policy-gateway`).toBeDefined();
  const configMaps = configMapsFromCommands(file);
  const layout = podLayout(pod, gateway, configMaps);
  return { docs, workload, pod, gateway, env: containerEnv(gateway), layout };
}

/** The runtime config a layout gives, without loading policies (`startable` does that). */
function configOf(layout: Map<string, string>, env: NodeJS.ProcessEnv): RuntimeConfig {
  return loadConfig(join(materialise(layout), CONFIG_FILE), env);
}

describe.each(manifests)("$file", ({ file, pattern }) => {
  it("is a list of Kubernetes objects with apiVersion, kind and name", () => {
    const { docs, workload } = manifest(file);
    for (const d of docs) {
      expect(d.apiVersion).toMatch(/.+/);
      expect(d.kind).toMatch(/.+/);
      expect(obj(d.metadata).name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    for (const [k, v] of Object.entries(workload.spec.selector.matchLabels)) {
      expect(workload.spec.template.metadata.labels[k]).toBe(v);
    }
  });

  it("projects the ConfigMaps into /etc/policy-gateway/ so the gateway starts on them", () => {
    const { gateway, env, layout } = manifest(file);
    // The layout the config expects, with nothing left out and nothing else.
    expect([...layout.keys()].sort()).toEqual(
      [
        CONFIG_FILE,
        `${CONFIG_DIR}/cameras.yaml`,
        ...POLICY_FILES.map((f) => `${CONFIG_DIR}/policies/${f}`),
      ].sort(),
    );
    expect(layout.get(CONFIG_FILE)).toBe(
      repo("docker/config", `${pattern === "sidecar" ? "sidecar" : "gateway"}.yaml`),
    );
    const config = startable(layout, env);
    expect(gateway.args).toEqual(["serve", "--config", CONFIG_FILE]);
    if (pattern === "sidecar") {
      expect(env.GATEWAY_HOST).toBe("127.0.0.1");
      expect(config.listen.host).toBe("127.0.0.1");
      expect(config.defaultTenant, "the app needs no key").not.toBeNull();
    } else {
      expect(config.listen.host).toBe("0.0.0.0");
      expect(config.defaultTenant, "a shared gateway requires tenant keys").toBeNull();
    }
    expect(config.admin.host, "kubelet probes and Prometheus reach the pod IP").toBe("0.0.0.0");
  });

  it("takes the upstream key from a Secret, under a name the config uses", () => {
    const { gateway, env, layout } = manifest(file);
    const vars = configVariables(readFileSync(layout.get(CONFIG_FILE)!, "utf8"));
    for (const e of gateway.env ?? []) {
      expect(vars.has(e.name), `${e.name} is used by the config`).toBe(true);
      if (/KEY|SECRET|PASSWORD|TOKEN/i.test(e.name)) {
        expect(e.value, `${e.name} is not written in the manifest`).toBeUndefined();
        expect(obj(e.valueFrom?.secretKeyRef).name, `${e.name} comes from a Secret`).toMatch(/.+/);
      }
    }
    const apiKey = gateway.env?.find((e) => e.name === "AZURE_OPENAI_API_KEY");
    expect(obj(apiKey?.valueFrom).secretKeyRef).toBeDefined();
    for (const [name, { required }] of vars) {
      if (required) expect(Object.keys(env), `${name} (no default) is set`).toContain(name);
    }
  });

  it("probes /readyz and /healthz on the admin port, and declares only the config's ports", () => {
    const { gateway, env, layout } = manifest(file);
    const config = configOf(layout, env);
    const readiness = obj(gateway.readinessProbe?.httpGet);
    const liveness = obj(gateway.livenessProbe?.httpGet);
    const startup = obj(gateway.startupProbe?.httpGet);
    expect(readiness.path).toBe("/readyz");
    expect(liveness.path).toBe("/healthz");
    expect(startup.path, "a slow start is not killed by liveness").toBe("/healthz");
    for (const probe of [readiness, liveness, startup]) {
      expect(portNumber(gateway, probe.port)).toBe(config.admin.port);
    }
    const ports = (gateway.ports ?? []).map((p) => p.containerPort);
    expect(ports).toContain(config.admin.port);
    for (const p of ports) expect([config.listen.port, config.admin.port]).toContain(p);
    if (pattern === "sidecar") {
      expect(ports, "the data plane is on loopback").not.toContain(config.listen.port);
    } else {
      expect(ports).toContain(config.listen.port);
    }
  });

  it("runs the gateway as non-root, read-only, without privileges or capabilities", () => {
    const { pod, gateway } = manifest(file);
    const sc = { ...obj(pod.securityContext), ...obj(gateway.securityContext) };
    expect(sc.runAsNonRoot).toBe(true);
    expect(sc.runAsUser).not.toBe(0);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(arr(obj(sc.capabilities).drop)).toContain("ALL");
    const resources = obj(obj(gateway as unknown as Json).resources);
    expect(obj(resources.requests).memory).toBeDefined();
    expect(obj(resources.limits).memory).toBeDefined();
  });

  it("leaves time for the preStop sleep and the drain after SIGTERM", () => {
    const { pod, gateway } = manifest(file);
    const command = arr(obj(obj(gateway.lifecycle?.preStop).exec).command).map(str);
    expect(command[0]).toBe("sleep");
    const sleep = Number(command[1]);
    expect(sleep).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds ?? 30).toBeGreaterThanOrEqual(sleep + 30);
  });

  if (pattern !== "shared") return;

  const selects = (workload: Workload, selector: unknown) =>
    Object.entries(obj(selector)).every(
      ([k, v]) => workload.spec.template.metadata.labels[k] === v,
    );

  it("spreads 2+ replicas and keeps one through voluntary disruptions", () => {
    const { docs, workload, pod } = manifest(file);
    expect(workload.spec.replicas).toBeGreaterThanOrEqual(2);
    const spread = (pod.topologySpreadConstraints ?? []).length > 0;
    expect(spread || obj(pod.affinity).podAntiAffinity !== undefined).toBe(true);
    const pdb = docs.find((d) => d.kind === "PodDisruptionBudget");
    expect(pdb).toBeDefined();
    expect(selects(workload, obj(obj(pdb?.spec).selector).matchLabels)).toBe(true);
  });

  it("exposes only the data plane to tenants; the admin port only to metrics scraping", () => {
    const { docs, workload, gateway, env, layout } = manifest(file);
    const config = configOf(layout, env);
    const services = docs.filter((d) => d.kind === "Service");
    expect(services.filter((s) => obj(s.metadata).name === "policy-gateway")).toHaveLength(1);
    for (const s of services) {
      const spec = obj(s.spec);
      expect(selects(workload, spec.selector)).toBe(true);
      const ports = arr(spec.ports).map(obj);
      const targets = ports.map((p) => portNumber(gateway, p.targetPort ?? p.port));
      const isMetrics = obj(obj(s.metadata).labels)["app.kubernetes.io/component"] === "metrics";
      if (isMetrics) {
        expect(targets).toEqual([config.admin.port]);
        expect(spec.clusterIP, "headless: no virtual IP for the admin port").toBe("None");
      } else {
        expect(targets, "tenants reach the data plane only").toEqual([config.listen.port]);
        expect(ports.map((p) => p.port)).not.toContain(config.admin.port);
        expect(spec.type ?? "ClusterIP").toBe("ClusterIP");
      }
    }
    const annotations = obj(obj(workload.spec.template.metadata as unknown as Json).annotations);
    expect(annotations["prometheus.io/port"]).toBe(String(config.admin.port));
    expect(annotations["prometheus.io/path"]).toBe("/metrics");
  });

  it("runs under its own ServiceAccount, ready for Workload Identity", () => {
    const { docs, pod } = manifest(file);
    const sa = docs.find((d) => d.kind === "ServiceAccount");
    expect(obj(sa?.metadata).name).toBe(obj(pod as unknown as Json).serviceAccountName);
    const text = read(file);
    expect(text).toContain("azure.workload.identity/client-id");
    expect(text).toContain('azure.workload.identity/use: "true"');
  });
});
