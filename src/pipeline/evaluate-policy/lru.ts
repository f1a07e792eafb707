/**
 * A bounded memo over a `Map`, evicting in insertion order (first in, first out). A hit is a
 * single `Map#get`: re-inserting the entry on every hit (true LRU) cost more than the whole rest
 * of a memoised decision, and the working set of distinct fact tuples is small next to the bound.
 */
export class Lru<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    if (this.capacity <= 0) return;
    if (this.map.has(key)) {
      this.map.set(key, value);
      return;
    }
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }
}
