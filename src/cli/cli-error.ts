/**
 * The one line the CLI prints for an error (PRODUCT.md section 8): what failed, in words, never a
 * stack trace. Invalid config, policy, catalogue and case files keep their list of problems.
 */
import { isConfigProblem } from "./config-problem.js";

const ERRNO_WORDS: Record<string, string> = {
  EADDRINUSE: "the address is already in use (another process listens there)",
  EADDRNOTAVAIL: "the address is not on this machine",
  EACCES: "permission denied",
  ENOENT: "no such file or directory",
  EISDIR: "is a directory, not a file",
};

/** The message for `err`, prefixed with the program and command. */
export function cliErrorMessage(err: unknown, command: string | undefined): string {
  if (isConfigProblem(err)) return err.message; // already names every problem, with its path
  const prefix = `policy-gateway${command === undefined ? "" : ` ${command}`}: `;
  if (!(err instanceof Error)) return `${prefix}${String(err)}`;
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  const words = e.code === undefined ? undefined : ERRNO_WORDS[e.code];
  if (words !== undefined) {
    const where =
      e.syscall === "listen" && e.port !== undefined
        ? `cannot listen on ${e.address ?? ""}:${e.port}`
        : e.path !== undefined
          ? `cannot ${e.syscall ?? "open"} ${e.path}`
          : (e.syscall ?? "failed");
    return `${prefix}${where}: ${words}`;
  }
  // A YAML error's message ends with a code frame: its first line names the line and column.
  if (e.name === "YAMLParseError" || e.name === "YAMLWarning") {
    return `${prefix}${e.message.split("\n")[0]}`;
  }
  // A multi-line message is a list of problems (an invalid case file): kept; a stack never is.
  return `${prefix}${e.message}`;
}
