// Waiting until a pino destination (sonic-boom) has written every line it was given, so that a
// measurement counts the writes and a line count reads them all.
//
// flush(cb) cannot say so: with minLength 0 it calls back at once, whatever is still pending; with a
// minLength it calls back on the next 'drain', which a write in flight emits even when lines below
// minLength remain; and its fsync is refused by /dev/null (sonic-boom 4.2 index.js, flush() and
// callFlushCallbackOnDrain()). What is pending is sonic-boom's own state (`_writing`, `_len`: no
// public getter in 4.2); 'drain' is emitted when a write completes with nothing above minLength left
// (release()). flushSync() writes everything synchronously and ignores fsync's refusal.
'use strict';
const { once } = require('node:events');

/** Resolves when `dest` has nothing pending; rejects on its 'error'. At most 1,000 writes waited for. */
async function written(dest) {
  if (dest.sync) {
    dest.flushSync();
    return;
  }
  for (let i = 0; i < 1000 && (dest._writing || dest._len > 0); i++) {
    // Lines gathered below minLength with no write in flight: start one.
    if (!dest._writing) dest.flush();
    await once(dest, 'drain');
  }
  if (dest._writing || dest._len > 0) throw new Error('bench: a pino destination did not finish writing');
}

module.exports = { written };
