// What is sent: the request bodies, paths and response handling of each workload, shared by the
// server and every contender so they all do the same work (serialize the JSON body, read the
// whole response, parse the JSON one).
'use strict';

/** The classic BFF call: a small JSON POST, about as large as a typical API request body. */
const JSON_BODY_BYTES = 216;

/** A deterministic object whose JSON.stringify() is exactly JSON_BODY_BYTES long. */
function makeJsonBody(size) {
  const body = {
    id: 48213,
    user: 'user-7f3a9c',
    action: 'cart.update',
    items: [
      { sku: 'A-1001', qty: 2 },
      { sku: 'B-2002', qty: 1 },
    ],
    note: '',
  };
  const pad = size - JSON.stringify(body).length;
  if (pad < 0) throw new Error(`bench: base JSON body is already longer than ${size} bytes`);
  body.note = 'x'.repeat(pad);
  return body;
}

const JSON_BODY = makeJsonBody(JSON_BODY_BYTES);
/** What the server answers to /json: small, fixed, with Content-Length (no chunking). */
const JSON_REPLY = Buffer.from(JSON.stringify({ ok: true, id: 48213, status: 'accepted', version: 17 }));
const BIG_BYTES = 64 * 1024;

/**
 * `responseType` is what the axios contenders pass; the others read the same way by hand
 * ('json': buffer + JSON.parse, 'arraybuffer': buffer only).
 */
const WORKLOADS = {
  'json-post': {
    title: `Small JSON POST (${JSON_BODY_BYTES}-byte body)`,
    method: 'POST',
    path: '/json',
    body: JSON_BODY,
    responseType: 'json',
  },
  'get-64k': {
    title: 'GET of a 64 KiB body',
    method: 'GET',
    path: '/64k',
    body: undefined,
    // axios's default ('json') would try JSON.parse on 64 KiB of bytes (forcedJSONParsing).
    responseType: 'arraybuffer',
  },
};

/** The test certificate for 127.0.0.1 (self-signed: the clients trust it as their CA), for the proxied https section. */
const TLS_FIXTURES = {
  cert: require('node:path').join(__dirname, '..', '__tests__', 'fixtures', 'localhost-cert.pem'),
  key: require('node:path').join(__dirname, '..', '__tests__', 'fixtures', 'localhost-key.pem'),
};

module.exports = { WORKLOADS, JSON_BODY, JSON_BODY_BYTES, JSON_REPLY, BIG_BYTES, TLS_FIXTURES };
