import { LiveCalls } from '../../src/call/live-calls';

describe('LiveCalls (the calls close() must reach)', () => {
  test('holds what was added until it is deleted, in slots that are reused', () => {
    const live = new LiveCalls<{ id: number }>();
    const a = { id: 1 };
    const b = { id: 2 };
    const c = { id: 3 };
    const sa = live.add(a);
    const sb = live.add(b);
    expect(live.size).toBe(2);
    expect(live.toArray()).toEqual([a, b]);
    live.delete(sa, a);
    expect(live.size).toBe(1);
    expect(live.toArray()).toEqual([b]);
    // The freed slot is taken again: the array never grows past the peak number of live items.
    expect(live.add(c)).toBe(sa);
    expect(live.toArray()).toEqual([c, b]);
    expect(sb).not.toBe(sa);
  });

  test('deleting twice, or with a slot another item took meanwhile, changes nothing', () => {
    const live = new LiveCalls<{ id: number }>();
    const a = { id: 1 };
    const b = { id: 2 };
    const sa = live.add(a);
    live.delete(sa, a);
    const sb = live.add(b); // reuses a's slot
    expect(sb).toBe(sa);
    live.delete(sa, a); // a's late second delete must not drop b
    live.delete(-1, b); // never registered
    expect(live.size).toBe(1);
    expect(live.toArray()).toEqual([b]);
  });

  test('toArray() is a copy: ending the items while iterating it is safe', () => {
    const live = new LiveCalls<{ slot: number }>();
    const items = Array.from({ length: 5 }, () => ({ slot: -1 }));
    for (const item of items) item.slot = live.add(item);
    for (const item of live.toArray()) live.delete(item.slot, item);
    expect(live.size).toBe(0);
    expect(live.toArray()).toEqual([]);
  });

  test('churn of short calls never grows the storage past the peak number live (nothing is reallocated)', () => {
    // Why it matters (live-calls.ts): a replaced backing store that reached the old generation keeps
    // what it pointed at alive through young-generation collections. With at most 8 live, 10,000
    // adds and deletes keep using the same 8 slots.
    const live = new LiveCalls<{ slot: number }>();
    const window: Array<{ slot: number }> = [];
    for (let i = 0; i < 10_000; i++) {
      const item = { slot: -1 };
      item.slot = live.add(item);
      window.push(item);
      if (window.length > 8) {
        const done = window.splice(Math.floor((i * 7919) % window.length), 1)[0];
        live.delete(done.slot, done);
      }
      expect(live.size).toBe(window.length);
    }
    expect((live as unknown as { slots: unknown[] }).slots.length).toBe(9);
    expect(new Set(window.map((w) => w.slot)).size).toBe(window.length);
  });
});
