/** on-exit-leak-free (pino's own, for sonic-boom) ships no types: the part the audit sink uses. */
declare module "on-exit-leak-free" {
  /**
   * Calls `fn(obj, "exit")` when the process exits, in the order of registration, for as long as
   * `obj` has not been collected (it is held weakly; `fn` must not hold it).
   */
  export function register<T extends object>(obj: T, fn: (obj: T, event: "exit") => void): void;
  export function unregister(obj: object): void;
}
