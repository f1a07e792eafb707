#!/usr/bin/env node
/**
 * `policy-gateway`: the command line (the README). One file per command; this one only
 * wires them to commander.
 */
import "../runtime/v8-workarounds.js";
import { Command } from "commander";
import { auditVerifyCommand } from "./audit-verify.js";
import { checkCommand } from "./check.js";
import { isConfigProblem } from "./config-problem.js";
import { explainCommand } from "./explain.js";
import { hashKeyCommand } from "./hash-key.js";
import { serveCommand } from "./serve.js";
import { simulateCommand } from "./simulate.js";
import { testCommand } from "./test-policies.js";

const DEFAULT_CONFIG = "config/gateway.yaml";
const program = new Command("policy-gateway")
  .description("A policy gateway in front of Azure OpenAI")
  .showHelpAfterError();

program
  .command("serve")
  .description("run the gateway")
  .option("-c, --config <file>", "config file", DEFAULT_CONFIG)
  .action((opts: { config: string }) => serveCommand(opts));

program
  .command("simulate")
  .description("run the built-in Azure OpenAI simulator")
  .option("-p, --port <n>", "port", "8090")
  .option("--host <host>", "interface to bind", "127.0.0.1")
  .option("--api-key <key>", "api key the simulator requires")
  .option("--faults", "obey x-simulator-* fault injection headers", false)
  .action((opts: { port: string; host: string; apiKey?: string; faults: boolean }) =>
    simulateCommand(opts),
  );

program
  .command("check")
  .description("validate the config, the Cedar schema and the policies")
  .option("-c, --config <file>", "config file", DEFAULT_CONFIG)
  .option("--strict", "fail on policy comparisons with values the gateway never produces", false)
  .action((opts: { config: string; strict: boolean }) => checkCommand(opts));

program
  .command("explain")
  .description("print the facts and decision for one request body, offline")
  .option("-c, --config <file>", "config file", DEFAULT_CONFIG)
  .requiredOption("-t, --tenant <id>", "tenant id")
  .option("--customer-key <id>", "authenticate with a key of this customer of the tenant")
  .option(
    "-H, --header <header>",
    "request header `K: V` (repeatable)",
    (v: string, acc: string[]) => [...acc, v],
    [],
  )
  .option("-p, --path <path>", "request path", "/openai/deployments/gpt-4o/chat/completions")
  .argument("<file>", "request body file, or - for standard input")
  .action(
    (
      file: string,
      opts: {
        config: string;
        tenant: string;
        customerKey?: string;
        header: string[];
        path: string;
      },
    ) => explainCommand(file, opts),
  );

program
  .command("test")
  .description("run policy test cases")
  .option("-c, --config <file>", "config file", DEFAULT_CONFIG)
  .argument("[cases...]", "case files (default: the config's policy.tests)")
  .action((cases: string[], opts: { config: string }) => testCommand(cases, opts));

program
  .command("hash-key")
  .description("print the sha256: form of a tenant key for the config")
  .argument("<key>", "the tenant key")
  .action((key: string) => hashKeyCommand(key));

program
  .command("audit")
  .description("audit trail tools")
  .command("verify")
  .description("prove that no audit record was changed, removed or reordered")
  .option("--json", "print the result as JSON", false)
  .option("--anchor <chain:seq:hash>", "the latest `audit anchor` from the operational log")
  .argument("<files...>", "audit files, oldest first (a rotated set: audit.log.* audit.log)")
  .action(async (files: string[], opts: { json: boolean; anchor?: string }) => {
    process.exitCode = await auditVerifyCommand(files, opts);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // An invalid config, policy or catalogue: its message already names every problem.
  if (!isConfigProblem(err)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 1;
}
