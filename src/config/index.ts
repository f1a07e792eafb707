/** Config loading in one call: read, validate, compile, freeze. */
import { compileConfig, type RuntimeConfig } from "./compile.js";
import { readConfigFile } from "./load.js";

export type {
  RuntimeConfig,
  RuntimeJudge,
  RuntimeKey,
  RuntimeTenant,
  RuntimeUpstream,
  UpstreamAuth,
} from "./compile.js";
export { ConfigError } from "./load.js";
export type { AppOwner, RuntimeTokenAuth, RuntimeTokenIssuer } from "./token-auth.js";

/** Loads the config file at `file` into a frozen runtime config, or throws `ConfigError`. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  return compileConfig(readConfigFile(file, env), file);
}
