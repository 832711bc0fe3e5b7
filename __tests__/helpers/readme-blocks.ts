// The README's fenced code blocks. A block whose first line is a `// name.ext` comment is a file of
// the small project the README builds (`// orders.ts`, `// orders.nock.test.ts`, `// jest.config.js`);
// the others are stand-alone examples.
import fs from 'node:fs';
import path from 'node:path';

export interface ReadmeBlock {
  /** The file name from the block's first line, when it has one. */
  name: string | undefined;
  code: string;
}

export function readmeBlocks(lang: 'ts' | 'js'): ReadmeBlock[] {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const fence = new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g');
  return [...readme.matchAll(fence)].map((m) => ({ name: /^\/\/ ([\w.-]+\.[cm]?[jt]s)\n/.exec(m[1])?.[1], code: m[1] }));
}
