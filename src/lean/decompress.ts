// Response decoding as axios's http adapter does it (axios 1.21.1 lib/adapters/http.js): with
// `decompress` not false, gzip/x-gzip/compress/x-compress and deflate go through zlib's Unzip
// (which reads gzip and zlib framing), br through brotli, zstd through zstd when this Node has it
// (Node 20 does not: the body is then left encoded and its Content-Encoding kept, as axios does).
// Every decoder flushes with SYNC_FLUSH, also at the end, so a body cut short yields what was
// decoded instead of an "unexpected end of file" error. A decoded body loses its Content-Encoding
// header; HEAD and 204 responses lose it before the switch (they have no body).
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import type { IncomingMessage } from 'node:http';

const ZLIB_OPTIONS = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const BROTLI_OPTIONS = { flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };
const zstd = (zlib as unknown as { createZstdDecompress?: (o: object) => Transform }).createZstdDecompress;
const zstdConstants = zlib.constants as unknown as Record<string, number>;
const ZSTD_OPTIONS = { flush: zstdConstants.ZSTD_e_flush, finishFlush: zstdConstants.ZSTD_e_flush };

/**
 * `Content-Encoding: deflate` is meant to be zlib-framed, but servers send raw deflate too. Unzip
 * needs a zlib header, so when the first byte is not 0x78 (a zlib header's first byte) a default
 * one (78 9C) goes in front, as axios's ZlibHeaderTransformStream does.
 */
class ZlibHeader extends Transform {
  private seen = false;

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.seen && chunk.length !== 0) {
      this.seen = true;
      if (chunk[0] !== 0x78) this.push(Buffer.from([0x78, 0x9c]), encoding);
    }
    this.push(chunk);
    callback();
  }
}

/** Appends the decoders the response needs to `streams` (which starts with the response itself). */
export function addDecoders(streams: NodeJS.ReadableStream[], res: IncomingMessage, method: string, decompress: unknown): void {
  if (decompress === false || !res.headers['content-encoding']) return;
  if (method === 'HEAD' || res.statusCode === 204) delete res.headers['content-encoding'];
  switch ((res.headers['content-encoding'] || '').toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
    case 'compress':
    case 'x-compress':
      streams.push(zlib.createUnzip(ZLIB_OPTIONS));
      delete res.headers['content-encoding'];
      break;
    case 'deflate':
      streams.push(new ZlibHeader());
      streams.push(zlib.createUnzip(ZLIB_OPTIONS));
      delete res.headers['content-encoding'];
      break;
    case 'br':
      streams.push(zlib.createBrotliDecompress(BROTLI_OPTIONS));
      delete res.headers['content-encoding'];
      break;
    case 'zstd':
      if (zstd !== undefined) {
        streams.push(zstd(ZSTD_OPTIONS));
        delete res.headers['content-encoding'];
      }
      break;
    default:
      break;
  }
}
