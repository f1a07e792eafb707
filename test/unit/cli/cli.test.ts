/**
 * The command line in-process (PRODUCT.md section 8, issue 13): `--version` on every command,
 * `new-key`, `hash-key -`, and every error one line with no stack trace.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../../../src/cli/program.js";
import { hashKey } from "../../../src/pipeline/identify-tenant/identify.js";
import { testConfigYaml } from "../../helpers/harness.js";

const pkg = (await import("../../../package.json", { with: { type: "json" } })).default as {
  version: string;
};

async function run(...args: string[]) {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => {
    out += c.toString();
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => {
    err += c.toString();
    return true;
  });
  try {
    const code = await runCli(["node", "policy-gateway", ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

/** One line, and nothing that looks like a stack frame. */
function expectOneLine(text: string) {
  expect(text.trimEnd().split("\n")).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at /);
}

afterEach(() => vi.restoreAllMocks());

describe("--version", () => {
  it.each([[[]], [["serve"]], [["audit", "verify"]], [["new-key"]]])(
    "prints the package version (%j)",
    async (before) => {
      const r = await run(...before, "--version");
      expect(r.code).toBe(0);
      expect(r.out.trim()).toBe(pkg.version);
    },
  );
});

describe("new-key", () => {
  it("prints a fresh prefixed key and its config entry", async () => {
    const a = await run("new-key");
    const b = await run("new-key", "--id", "cad-2026");
    expect(a.code).toBe(0);
    const [keyA, lineA] = a.out.trimEnd().split("\n");
    const [keyB, lineB] = b.out.trimEnd().split("\n");
    expect(keyA).toMatch(/^pgw_[A-Za-z0-9_-]{43}$/);
    expect(keyB).not.toBe(keyA);
    expect(lineA).toContain(`"${hashKey(keyA!)}"`);
    expect(lineB).toContain(`{ id: cad-2026, hash: "${hashKey(keyB!)}" }`);
  });

  it("refuses an id the config would refuse, in one line", async () => {
    const r = await run("new-key", "--id", "has space");
    expect(r.code).toBe(1);
    expectOneLine(r.err);
    expect(r.err).toMatch(/^policy-gateway new-key: invalid key id/);
  });
});

describe("hash-key", () => {
  it("hashes the key given as an argument", async () => {
    expect((await run("hash-key", "k1")).out).toBe(`${hashKey("k1")}\n`);
  });

  it("reads the key from standard input with -, without its line break", async () => {
    vi.spyOn(process, "stdin", "get").mockReturnValue(
      Readable.from([Buffer.from("secret-key\n")]) as unknown as typeof process.stdin,
    );
    const r = await run("hash-key", "-");
    expect(r.out).toBe(`${hashKey("secret-key")}\n`);
    expect(r.out).not.toBe(`${hashKey("-")}\n`);
  });

  it("refuses empty standard input in one line", async () => {
    vi.spyOn(process, "stdin", "get").mockReturnValue(
      Readable.from([]) as unknown as typeof process.stdin,
    );
    const r = await run("hash-key", "-");
    expect(r.code).toBe(1);
    expectOneLine(r.err);
    expect(r.err).toContain("no key on standard input");
  });
});

describe("errors are one line", () => {
  const dir = mkdtempSync(join(tmpdir(), "gw-cli-"));

  it("test with a missing case file", async () => {
    const r = await run("test", "--config", "config/demo.yaml", join(dir, "missing.yaml"));
    expect(r.code).toBe(1);
    expectOneLine(r.err);
    expect(r.err).toMatch(/^policy-gateway test: cannot open .*missing\.yaml: no such file/);
  });

  it("test with a case file that is not YAML", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "cases: [\n  - {name: x\n");
    const r = await run("test", "--config", "config/demo.yaml", bad);
    expect(r.code).toBe(1);
    expectOneLine(r.err);
    expect(r.err).toMatch(/^policy-gateway test: .* at line 3, column 1:$/m);
  });

  it("check with a missing config", async () => {
    const r = await run("check", "--config", join(dir, "nope.yaml"));
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.err).toContain("nope.yaml");
  });

  it("serve on a port in use", async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as { port: number }).port;
    const file = join(dir, "busy.yaml");
    writeFileSync(
      file,
      testConfigYaml("http://127.0.0.1:9").replace(
        "listen: { host: 127.0.0.1, port: 0 }",
        `listen: { host: 127.0.0.1, port: ${port} }`,
      ),
    );
    try {
      const r = await run("serve", "--config", file);
      expect(r.code).toBe(1);
      expectOneLine(r.err);
      expect(r.err).toBe(
        `policy-gateway serve: cannot listen on 127.0.0.1:${port}: the address is already in use (another process listens there)\n`,
      );
    } finally {
      busy.close();
    }
  });
});
