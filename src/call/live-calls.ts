// The calls of a client that close() must reach: those in flight, and settled ones whose stream body
// is still open. Not a Set, on purpose. Measured on the bench's JSON POST at 50 in flight (node
// --trace-gc-nvp, 20,000 calls): with a Set that every call enters and leaves, each scavenge promoted
// 574 KB - whole call graphs: native request and response, buffers, axios config - and GC cost 20 µs
// per call; with these slots, 1.5 KB and 5 µs, the same as with no registry at all. Why the Set
// does this is not pinned down (a guess: the tables V8 rebuilds as a churned OrderedHashSet fills
// with deleted entries, still pointing at their calls once old); a standalone script churning a Set
// of growing objects the same way did not reproduce it. What is measured is that the promotion comes
// with the Set and does not come back with these slots: an array written in place, never reallocated
// once it holds the peak number of calls, so a call leaves no reference behind.

/** A registered call's place; -1: not registered. */
export type LiveSlot = number;

export class LiveCalls<T extends object> {
  private readonly slots: Array<T | undefined> = [];
  /** Free slot indexes, reused last-freed first (small integers: no references to keep). */
  private readonly free: number[] = [];

  add(item: T): LiveSlot {
    const slot = this.free.length > 0 ? this.free.pop()! : this.slots.length;
    if (slot === this.slots.length) this.slots.push(item);
    else this.slots[slot] = item;
    return slot;
  }

  /** Idempotent: a slot that no longer holds `item` (deleted already, or reused) is left alone. */
  delete(slot: LiveSlot, item: T): void {
    if (slot < 0 || this.slots[slot] !== item) return;
    this.slots[slot] = undefined;
    this.free.push(slot);
  }

  /** Every slot is either held or free. */
  get size(): number {
    return this.slots.length - this.free.length;
  }

  /** The items registered now, as a copy (close() ends them, which deletes them meanwhile). */
  toArray(): T[] {
    const out: T[] = [];
    for (const item of this.slots) if (item !== undefined) out.push(item);
    return out;
  }
}
