/**
 * `policy-gateway`: the command line (the README). One file per command; this one wires them to
 * commander and turns every failure into one clear line on stderr and an exit code, never a
 * stack trace (`runCli`).
 */
import { Command, CommanderError } from "commander";
import { auditVerifyCommand } from "./audit-verify.js";
import { checkCommand } from "./check.js";
import { cliErrorMessage } from "./cli-error.js";
import { explainCommand } from "./explain.js";
import { hashKeyCommand, newKeyCommand } from "./hash-key.js";
import { serveCommand } from "./serve.js";
import { simulateCommand } from "./simulate.js";
import { testCommand } from "./test-policies.js";
import { packageVersion } from "./version.js";

const DEFAULT_CONFIG = "config/gateway.yaml";

/** The command tree; built per run so tests can run commands in-process. */
function buildProgram(): Command {
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
    .argument("<key>", "the tenant key, or - to read it from standard input")
    .action((key: string) => hashKeyCommand(key));

  program
    .command("new-key")
    .description("generate a strong random tenant key and print it with its config entry")
    .option("--id <name>", "name the key in the config (the audit's keyId)")
    .action((opts: { id?: string }) => newKeyCommand(opts));

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

  const version = packageVersion();
  const withVersion = (c: Command) => {
    c.version(version, "-V, --version", "print the version");
    c.exitOverride();
    c.commands.forEach(withVersion);
  };
  withVersion(program);
  return program;
}

/**
 * Runs one command line (`argv` as `process.argv`) and resolves with its exit code. Errors are
 * one line on stderr (a config, policy or case file's problems are listed, each on its own line).
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  process.exitCode = undefined; // commands set it for failures they report themselves
  try {
    await buildProgram().parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    // Commander printed its own message (or the help, or the version) already.
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`${cliErrorMessage(err, argv[2])}\n`);
    return 1;
  }
}
