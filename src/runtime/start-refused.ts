/**
 * Why the gateway refuses to start although its config is valid (another process writes the audit
 * file; demo keys on an exposed, real deployment). The CLI prints the message, one line per reason,
 * and exits 1 instead of printing a stack trace.
 */
export class StartRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartRefusedError";
  }
}
