// Issue 17, the short version of the chaos run in `npm test`: a few fixed seeds and one random
// seed (printed; `npm run chaos -- --seed N` replays it), a few hundred calls each, every invariant
// checked (engine/invariants.ts). The long version is `npm run chaos -- --seed N --calls 20000`.
import axios from 'axios';
import { applyKeepAlive, createClient } from '../../src';
import { runChaos, type ChaosLib } from './engine/run';

const lib: ChaosLib = { createClient, applyKeepAlive, axios };
const CALLS = Number(process.env.CHAOS_CALLS ?? 250);
const FIXED = [1, 2, 3];
const RANDOM = Math.floor(Math.random() * 2 ** 31);

test.each([...FIXED.map((s) => [s, 'fixed'] as const), [RANDOM, 'random'] as const])('chaos seed %d (%s): every invariant holds', async (seed) => {
  const report = await runChaos({ lib, seed, calls: CALLS });
  console.log(`chaos seed ${seed}: ${report.calls} calls, ${report.lives} lives, ${Math.round(report.wallMs)} ms\n${report.table}\n${JSON.stringify(report.summary)}`);
  expect(report.invariants.violations()).toEqual([]);
}, 120_000);
