#!/usr/bin/env node
// Layer cli/ (the top; ARCHITECTURE.md): the probe command and the demo. May import every layer.
// axios-keepalive probe [url] [-n requests] [-c concurrency]
import { probe } from './probe';

const USAGE = 'usage: axios-keepalive probe [url] [-n requests] [-c concurrency]\n' +
  '  Sends the same requests through plain axios with keepAlive: false and through createClient(),\n' +
  '  and prints the TCP connections each took. Without a url, an embedded loopback server answers.';

function positiveInt(flag: string, value: string | undefined, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 1 || n > max) {
    throw new RangeError(`${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'probe' && command !== 'demo') {
    out(USAGE);
    return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
  }
  let url: string | undefined;
  let requests = 1000;
  let concurrency = 20;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '-n') requests = positiveInt('-n', rest[++i], 1_000_000);
    else if (arg === '-c') concurrency = positiveInt('-c', rest[++i], 10_000);
    else if (arg === '-h' || arg === '--help') {
      out(USAGE);
      return 0;
    } else if (url === undefined && command === 'probe' && /^https?:\/\//.test(arg)) url = arg;
    else throw new TypeError(`unexpected argument ${JSON.stringify(arg)}\n${USAGE}`);
  }
  await probe({ url, requests, concurrency, logLines: command === 'demo' ? 8 : 0, out });
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: Error) => {
      console.error(error.message);
      process.exitCode = 2;
    },
  );
}
