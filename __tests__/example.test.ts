test('self-ref', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require('axios-keepalive');
  expect(typeof m.createClient).toBe('function');
});
