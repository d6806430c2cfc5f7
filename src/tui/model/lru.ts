/**
 * A small least-recently-used map. The TUI caches dissected packets and
 * summary rows with it so that scrolling back and forth never re-dissects,
 * while memory stays bounded however large the capture is.
 */
export class Lru<K, V> {
  // A Map iterates in insertion order: re-inserting on every hit keeps the
  // least recently used entry first, so eviction is O(1) without a linked list.
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`LRU capacity must be ≥ 1 (got ${capacity})`);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): void {
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
  }

  clear(): void {
    this.map.clear();
  }
}
