#!/usr/bin/env node
// What the lean path's per-call check costs (issue 13: "eligibility must be cheap: it runs on every
// call"): eligible() on configs as axios hands them to an adapter (captured from a real instance),
// a million calls per config, median of 5 rounds, in ns per call. Runs on the dist/ build.
//
//   node bench/lean-eligible.js
'use strict';
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const axios = require('axios');
const { createLeanAdapter } = require(path.join(__dirname, '..', 'dist', 'lean', 'index.js'));

const lean = createLeanAdapter(axios);
const CALLS = 1_000_000;

async function captured(config) {
  let seen;
  const instance = axios.create({
    maxRedirects: 0,
    proxy: false,
    adapter: (c) => {
      seen = c;
      return Promise.resolve({ data: '', status: 200, statusText: 'OK', headers: {}, config: c });
    },
  });
  await instance.request(config);
  return seen;
}

async function main() {
  const configs = {
    'JSON POST, absolute URL': await captured({ method: 'post', url: 'http://127.0.0.1:8080/orders', data: { id: 1 } }),
    'GET, baseURL + relative url + params + timeout': await captured({ baseURL: 'http://127.0.0.1:8080/api', url: 'orders/1', params: { q: 'x' }, timeout: 10_000 }),
    'falls back: redirects on': await captured({ url: 'http://127.0.0.1:8080/orders', maxRedirects: 5 }),
  };
  for (const [name, config] of Object.entries(configs)) {
    const rounds = [];
    let taken = 0;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      for (let i = 0; i < CALLS; i++) if (lean.eligible(config)) taken++;
      rounds.push(((performance.now() - t0) * 1e6) / CALLS);
    }
    rounds.sort((a, b) => a - b);
    process.stdout.write(`${name}: ${rounds[2].toFixed(0)} ns per eligible() call (${taken > 0 ? 'lean' : 'falls back'})\n`);
  }
}

main();
