#!/usr/bin/env node
/**
 * `policy-gateway`: the command line's entry point. Everything else is in `program.ts`, so the
 * commands, their errors and their exit codes are tested in-process.
 */
import "../runtime/v8-workarounds.js";
import { runCli } from "./program.js";

const code = await runCli(process.argv);
// A failed command exits now, whatever it left open; a running `serve` keeps the process.
if (code !== 0) process.exit(code);
