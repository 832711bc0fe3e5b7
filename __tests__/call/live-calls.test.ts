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
});
