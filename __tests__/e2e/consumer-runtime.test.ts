// The package at run time in a consumer's project (npm pack, npm install; see
// helpers/consumer-project.ts): one axios for every user. In an ESM project (a .mjs file, and a .js
// file of a "type": "module" package) and a CommonJS one, the user's own `import`/`require` of
// axios and axios-keepalive are handed to __tests__/fixtures/consumer-runtime/checks.cjs, which
// starts a loopback server and reports, as JSON, for plain axios, createClient() and
// applyKeepAlive(axios.create()):
// - errors are instances of the classes the user imported: a 404 (AxiosError), an abort
//   (CanceledError), and the library's own ETIMEDOUT and ERR_CLIENT_CLOSED (AxiosError);
// - header disclaimers are honoured: `User-Agent: null` and `Accept-Encoding: false` are not sent
//   (the server echoes the headers it received).
// An ESM entry that loads the CommonJS build gets axios's CommonJS copy while the user's import
// gets its ESM one: two copies, so neither holds (see FACTS, "Module systems").
import fs from 'node:fs';
import path from 'node:path';
import { createConsumerProject, INSTALL_TIMEOUT, type ConsumerProject } from '../helpers/consumer-project';

const fixtures = path.join(__dirname, '..', 'fixtures', 'consumer-runtime');
let project: ConsumerProject;

beforeAll(async () => {
  project = await createConsumerProject(['axios@1.21.1']);
  const { app } = project;
  const copy = (from: string, to: string): void => fs.copyFileSync(path.join(fixtures, from), path.join(app, to));
  // The CommonJS project (its package.json has no "type"): a .js entry, and a .mjs one.
  copy('checks.cjs', 'checks.cjs');
  copy('entry-cjs.cjs', 'check.js');
  copy('entry-esm.mjs', 'check.mjs');
  // A "type": "module" package inside it (node_modules resolve from the parent): a .js entry is ESM.
  fs.mkdirSync(path.join(app, 'esm'));
  fs.writeFileSync(path.join(app, 'esm', 'package.json'), JSON.stringify({ name: 'consumer-esm', private: true, type: 'module' }));
  copy('checks.cjs', path.join('esm', 'checks.cjs'));
  copy('entry-esm.mjs', path.join('esm', 'check.js'));
}, INSTALL_TIMEOUT);

afterAll(() => {
  project?.remove();
});

const COMMON = {
  '404 instanceof AxiosError': true,
  '404 axios.isAxiosError': true,
  '404 status': 404,
  'abort instanceof CanceledError': true,
  'abort axios.isCancel': true,
  'User-Agent sent': null,
  'Accept-Encoding sent': null,
};
const OWN = {
  'ETIMEDOUT instanceof AxiosError': true,
  'ETIMEDOUT code': 'ETIMEDOUT',
  'ERR_CLIENT_CLOSED instanceof AxiosError': true,
  'ERR_CLIENT_CLOSED code': 'ERR_CLIENT_CLOSED',
};
const EXPECTED = {
  plain: COMMON,
  createClient: { ...COMMON, ...OWN },
  applyKeepAlive: { ...COMMON, ...OWN },
  'createClient, lean: false': { ...COMMON, ...OWN },
  'applyKeepAlive, lean: false': { ...COMMON, ...OWN },
};

test('CommonJS project, require(): errors are the user\'s classes, disclaimed headers are not sent', async () => {
  expect(await project.node(['check.js'])).toEqual(EXPECTED);
}, 60_000);

test('ESM, a .mjs file: errors are the user\'s classes, disclaimed headers are not sent', async () => {
  expect(await project.node(['check.mjs'])).toEqual(EXPECTED);
}, 60_000);

test('ESM, a .js file in a "type": "module" project: the same', async () => {
  expect(await project.node(['check.js'], path.join(project.app, 'esm'))).toEqual(EXPECTED);
}, 60_000);
