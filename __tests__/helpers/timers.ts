// Timers a test server starts for its misbehaviours, all cleared when the server closes.
export interface TrackedTimers {
  later(ms: number, fn: () => void): void;
  clear(): void;
}

export function trackedTimers(): TrackedTimers {
  const timers = new Set<NodeJS.Timeout>();
  return {
    later(ms, fn) {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    },
    clear() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
