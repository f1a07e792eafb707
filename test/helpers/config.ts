/**
 * Config texts compiled as the gateway compiles its file at start-up, and the problems of one that
 * must fail: the unit tests of every config section build on these instead of each repeating the
 * parse-compile-catch steps.
 */
import { expect } from "vitest";
import { compileConfig, type RuntimeConfig } from "../../src/config/compile.js";
import { ConfigError, parseConfig } from "../../src/config/load.js";

/** Where a test's config file is said to be (relative paths in it resolve from its folder). */
export const CONFIG_FILE = "/etc/gw/gateway.yaml";

/** Parses and compiles a config text, with `env` for its `${NAME}` references. */
export function compileText(
  text: string,
  env: NodeJS.ProcessEnv = {},
  file = CONFIG_FILE,
): RuntimeConfig {
  return compileConfig(parseConfig(text, file, env), file);
}

/** The problems of a load that must be refused with a ConfigError; fails the test otherwise. */
export function configProblems(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}
