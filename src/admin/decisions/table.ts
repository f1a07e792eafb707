/**
 * Numbering of repeated values (labels, shared entry parts) for the decisions index's columns:
 * a row keeps a small integer instead of a reference, so the garbage collector has nothing to trace
 * per row. Values no row uses any more are dropped by `compact`, so odd values (a deployment name
 * from a path, a user agent) cannot grow the table without bound.
 */

/** Values and their numbers; -1 stands for null. */
export class ValueTable<T> {
  #ids = new Map<T, number>();
  #values: T[] = [];

  /** The number of `value`, added when new; -1 for null. */
  id(value: T | null): number {
    if (value === null) return -1;
    let id = this.#ids.get(value);
    if (id === undefined) {
      id = this.#values.length;
      this.#values.push(value);
      this.#ids.set(value, id);
    }
    return id;
  }

  /** The number of `value` when it has one (never adds); -1 otherwise. */
  find(value: T): number {
    return this.#ids.get(value) ?? -1;
  }

  /** The value numbered `id`; null for -1. */
  value(id: number): T | null {
    return id < 0 ? null : this.#values[id]!;
  }

  get size(): number {
    return this.#values.length;
  }

  /**
   * Keeps the values whose numbers `used` marks, numbered afresh; returns each old number's new
   * one (-1 for a dropped value), for the caller to rewrite its columns.
   */
  compact(used: Uint8Array): Int32Array {
    const remap = new Int32Array(this.#values.length).fill(-1);
    const values: T[] = [];
    const ids = new Map<T, number>();
    for (let i = 0; i < this.#values.length; i++) {
      if (used[i] !== 1) continue;
      const v = this.#values[i]!;
      remap[i] = values.length;
      ids.set(v, values.length);
      values.push(v);
    }
    this.#values = values;
    this.#ids = ids;
    return remap;
  }
}
