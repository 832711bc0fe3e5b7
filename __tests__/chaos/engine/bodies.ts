// Request bodies of every kind axios accepts in Node, and the bytes each puts on the wire, so the
// server's count can be checked against it: string, Buffer, a JSON object, URLSearchParams, a
// Readable (sent chunked: it cannot be sent twice) and a legacy `form-data` form (a stream too, with
// a length axios awaits before it creates the request).
import FormData from 'form-data';
import { Readable } from 'node:stream';
import type { BodyKind } from './plan';

export interface Body {
  data: unknown;
  /** Bytes the server should receive; undefined: unknown in advance. */
  length: number;
}

export function makeBody(kind: BodyKind, size: number, id: string): Body | undefined {
  switch (kind) {
    case 'none':
      return undefined;
    case 'string':
      return { data: 's'.repeat(size), length: size };
    case 'buffer':
      return { data: Buffer.alloc(size, 98), length: size };
    case 'json': {
      const data = { id, pad: 'j'.repeat(size) };
      return { data, length: Buffer.byteLength(JSON.stringify(data)) };
    }
    case 'urlencoded': {
      const data = new URLSearchParams({ id, pad: 'u'.repeat(size) });
      return { data, length: Buffer.byteLength(data.toString()) };
    }
    case 'stream': {
      const piece = 16 * 1024;
      let left = size;
      const data = new Readable({
        read() {
          if (left <= 0) {
            this.push(null);
            return;
          }
          const n = Math.min(piece, left);
          left -= n;
          this.push(Buffer.alloc(n, 114));
        },
      });
      return { data, length: size };
    }
    case 'form-data': {
      const form = new FormData();
      form.append('id', id);
      form.append('file', Buffer.alloc(size, 102), { filename: 'chaos.bin', contentType: 'application/octet-stream' });
      return { data: form, length: form.getLengthSync() };
    }
  }
}
