/**
 * The errors that mean "a config, policy or catalogue file is invalid": the CLI prints their
 * precise message and exits 1, instead of a stack trace.
 */
import { ConfigError } from "../config/index.js";
import { CameraCatalogueError } from "../pipeline/classify-request/images/index.js";
import { PolicyLoadError } from "../pipeline/evaluate-policy/index.js";
import { StartRefusedError } from "../runtime/start-refused.js";

/** True for errors whose message already lists every problem precisely. */
export function isConfigProblem(err: unknown): err is Error {
  return (
    err instanceof ConfigError ||
    err instanceof PolicyLoadError ||
    err instanceof CameraCatalogueError ||
    err instanceof StartRefusedError
  );
}
