import { describe, expect, it } from "vitest";
import {
  type BreakerState,
  CircuitBreaker,
} from "../../../src/pipeline/forward/circuit-breaker.js";

const setup = (failures = 3, openMs = 1000) => {
  const changes: BreakerState[] = [];
  const breaker = new CircuitBreaker({ failures, openMs }, (s) => changes.push(s));
  return { breaker, changes };
};

describe("CircuitBreaker", () => {
  it("opens after N consecutive failures, not before", () => {
    const { breaker, changes } = setup(3);
    breaker.failure(0);
    breaker.failure(0);
    expect(breaker.state(0)).toBe("closed");
    breaker.failure(0);
    expect(breaker.state(0)).toBe("open");
    expect(breaker.isAvailable(500)).toBe(false);
    expect(breaker.tryAcquire(500)).toBe(false);
    expect(changes).toEqual(["open"]);
  });

  it("counts only consecutive failures: a success resets the count", () => {
    const { breaker } = setup(3);
    breaker.failure(0);
    breaker.failure(0);
    breaker.success();
    breaker.failure(0);
    breaker.failure(0);
    expect(breaker.state(0)).toBe("closed");
  });

  it("half-opens after the open time and lets exactly one trial through", () => {
    const { breaker, changes } = setup(1, 1000);
    breaker.failure(0);
    expect(breaker.state(999)).toBe("open");
    expect(breaker.state(1000)).toBe("half-open");
    expect(breaker.isAvailable(1000)).toBe(true);
    expect(breaker.tryAcquire(1000)).toBe(true);
    expect(breaker.isAvailable(1000)).toBe(false); // the trial is in flight
    expect(breaker.tryAcquire(1001)).toBe(false);
    breaker.success();
    expect(breaker.state(1002)).toBe("closed");
    expect(breaker.tryAcquire(1002)).toBe(true);
    expect(changes).toEqual(["open", "half-open", "closed"]);
  });

  it("opens again when the trial fails, for another open time", () => {
    const { breaker } = setup(5, 1000);
    for (let i = 0; i < 5; i++) breaker.failure(0);
    expect(breaker.tryAcquire(1000)).toBe(true);
    breaker.failure(1200); // one failure in half-open is enough
    expect(breaker.state(1500)).toBe("open");
    expect(breaker.openUntil).toBe(2200);
    expect(breaker.state(2200)).toBe("half-open");
  });

  it("frees the trial slot when the trial ends without a verdict", () => {
    const { breaker } = setup(1, 10);
    breaker.failure(0);
    expect(breaker.tryAcquire(10)).toBe(true);
    breaker.release();
    expect(breaker.tryAcquire(11)).toBe(true);
  });

  it("never opens with failures: 0", () => {
    const { breaker } = setup(0);
    for (let i = 0; i < 100; i++) breaker.failure(0);
    expect(breaker.state(0)).toBe("closed");
  });
});
