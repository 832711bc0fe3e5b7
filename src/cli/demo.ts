// npm run demo: 1,000 JSON POSTs (20 in flight) to an embedded loopback server, first through
// plain axios with keepAlive: false, then through createClient().
import { main } from './cli';

main(['demo']).then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  },
);
