// A jest test environment (jest-environment-node plus an async hook) that records what a test file
// leaves alive after its suite: ref'd handles (servers, sockets, child processes, workers, message
// ports...) and ref'd timers created while the file ran, still alive LINGER_MS after its teardown,
// with where each was created. Used by ./run.js only; not part of the normal jest config.
//
// Why 450 ms: at the end of a run jest asks each worker to exit and force-exits it after 500 ms
// (jest-worker build/base/BaseWorkerPool.js, FORCE_EXIT_DELAY), printing "A worker process has
// failed to exit gracefully". A handle that closes late still exits in-band runs cleanly, so only
// a wait after each suite shows it.
//
// What is alive: Node's native handles answer hasRef() (false once closed or unref'd); a Timeout
// answers hasRef() too, and one that fired or was cleared is marked _destroyed or _idleTimeout -1
// (lib/internal/timers.js). Resources without hasRef (TLSWRAP, requests) are judged through their
// handle. Jest's own reporter timers share the process in band and are left out by their stack.
'use strict';
const { TestEnvironment } = require('jest-environment-node');
const asyncHooks = require('node:async_hooks');
const fs = require('node:fs');

const LINGER_MS = 450;
const GIVE_UP_MS = 8000;
const STACK_FRAMES = 12;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

class LingeringHandlesEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
    /** @type {Map<number, { type: string, resource: any, stack: string }>} */
    this.created = new Map();
  }

  async setup() {
    await super.setup();
    const created = this.created;
    this.hook = asyncHooks.createHook({
      init(asyncId, type, _triggerId, resource) {
        if (type !== 'Timeout' && typeof resource?.hasRef !== 'function') return;
        const stack = (new Error().stack ?? '').split('\n').slice(1)
          .filter((line) => !line.includes('node:internal/async_hooks') && !line.includes('node:internal/timers') && !line.includes(__filename))
          .slice(0, STACK_FRAMES).join('\n');
        created.set(asyncId, { type, resource, stack });
      },
      destroy(asyncId) {
        created.delete(asyncId);
      },
    });
    this.hook.enable();
  }

  alive() {
    const out = [];
    for (const { type, resource, stack } of this.created.values()) {
      if (stack.includes('@jest/reporters')) continue;
      if (type === 'Timeout' && (resource._destroyed || resource._idleTimeout === -1)) continue;
      if (typeof resource.hasRef !== 'function' || !resource.hasRef()) continue;
      out.push({ type, stack });
    }
    return out;
  }

  async teardown() {
    const t0 = Date.now();
    let lingering = [];
    let closedAfterMs = 0;
    for (;;) {
      const alive = this.alive();
      const ms = Date.now() - t0;
      if (alive.length === 0) {
        closedAfterMs = ms;
        break;
      }
      if (ms >= LINGER_MS && lingering.length === 0) lingering = alive;
      if (ms >= GIVE_UP_MS) {
        closedAfterMs = null; // still open
        break;
      }
      await sleep(25);
    }
    this.hook.disable();
    const out = process.env.LINGERING_HANDLES_OUT;
    if (out) fs.appendFileSync(out, JSON.stringify({ file: this.testPath, closedAfterMs, lingering }) + '\n');
    await super.teardown();
  }
}

module.exports = LingeringHandlesEnvironment;
