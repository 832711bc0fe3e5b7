// The child processes (server, contenders, soak) and their messages: every child is tracked and
// killed when run.js ends, normally or not, and every wait has a time limit.
'use strict';
const { fork } = require('node:child_process');

const children = new Set();

function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** Forks `file` with an IPC channel and exactly `execArgv` (not run.js's own flags). */
function spawn(file, { execArgv = [], env = {} } = {}) {
  const child = fork(file, [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv,
    env: { ...process.env, ...env },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** The first message of `type` from `child`, or a rejection on exit or after `ms`. */
function nextMessage(child, type, ms) {
  return new Promise((resolve, reject) => {
    const done = (fn, value) => {
      clearTimeout(timer);
      child.removeListener('message', onMessage);
      child.removeListener('exit', onExit);
      fn(value);
    };
    const onMessage = (m) => {
      if (m === null || typeof m !== 'object') return;
      if (m.type === 'error') done(reject, new Error(`child ${child.pid}: ${m.error}`));
      else if (m.type === type) done(resolve, m);
    };
    const onExit = (code, signal) => done(reject, new Error(`child ${child.pid} exited (${code ?? signal}) before sending '${type}'`));
    const timer = setTimeout(() => done(reject, new Error(`child ${child.pid}: no '${type}' within ${ms} ms`)), ms);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

let nextId = 1;
/** Request/response over IPC: sends { type, id } and resolves with the child's answer. */
function call(child, type, ms = 5000) {
  const id = nextId++;
  const reply = nextMessage(child, `reply-${id}`, ms);
  child.send({ type, id });
  return reply.then((m) => m.result);
}

/** The child side of call(): `handlers[type]()` answers. */
function serve(handlers) {
  process.on('message', async (m) => {
    if (m === null || typeof m !== 'object' || typeof handlers[m.type] !== 'function') return;
    try {
      process.send({ type: `reply-${m.id}`, result: await handlers[m.type](m) });
    } catch (error) {
      process.send({ type: 'error', error: String(error && error.stack ? error.stack : error) });
    }
  });
}

/** Resolves with the exit code; SIGKILLs the child if it has not exited within `ms`. */
function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}

/**
 * In a child: exit when the parent goes away, and in any case after `ms` (a stuck run must not
 * outlive the bench). The timer is unref'd: it never keeps a finished child alive.
 */
function guardChild(ms) {
  process.on('disconnect', () => process.exit(1));
  setTimeout(() => {
    process.stderr.write(`bench child ${process.pid}: still running after ${ms} ms, exiting\n`);
    process.exit(3);
  }, ms).unref();
}

/** Sends `message` and exits once it is flushed. */
function sendAndExit(message, code = 0) {
  process.send(message, () => process.exit(code));
}

module.exports = { spawn, nextMessage, call, serve, waitExit, guardChild, sendAndExit, killAll };
