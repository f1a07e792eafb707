#!/usr/bin/env node
/**
 * `policy-gateway`: the command line's entry point. Everything else is in `program.ts`, so the
 * commands, their errors and their exit codes are tested in-process. The program is imported
 * here, inside the `try`, so even a broken install (a shipped file missing) is one message, not
 * a stack trace.
 */
import "../runtime/v8-workarounds.js";

let code: number;
try {
  const { runCli } = await import("./program.js");
  code = await runCli(process.argv);
} catch (err) {
  process.stderr.write(`policy-gateway: ${err instanceof Error ? err.message : String(err)}\n`);
  code = 1;
}
// A failed command exits now, whatever it left open; a running `serve` keeps the process.
if (code !== 0) process.exit(code);
