/**
 * Work written as a generator of steps (each `yield` ends a stretch of synchronous work), run to
 * the end at once or with the event loop running between the steps. A reload builds its
 * generation this way (runtime/generation.ts, evaluate-policy/prepared-set.ts), so requests in
 * flight wait for one step at a time, while start-up and the CLI run the same code without a
 * pause (docs/performance.md, "Issue 14, round four").
 */
import { setImmediate as nextTurn } from "node:timers/promises";

/** Steps of work that end with a `T`. */
export type Steps<T> = Generator<void, T>;

/** Runs every step now, one after the other. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/** Runs the steps with a turn of the event loop between each two. */
export async function runStepsYielding<T>(steps: Steps<T>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    await nextTurn();
  }
}
