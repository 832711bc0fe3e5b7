// Timers a test server starts for its misbehaviours, all cleared when the server closes.
export interface TrackedTimers {
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  later(ms: number, fn: () => void): () => void;
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
      return () => {
        clearTimeout(t);
        timers.delete(t);
      };
    },
    clear() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
