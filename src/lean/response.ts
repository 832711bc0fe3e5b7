// A response body, read as axios's http adapter reads it (axios 1.21.1 lib/adapters/http.js).
// Buffered (every responseType but 'stream'): chunks collected, maxContentLength checked on every
// chunk, the same four listeners in the same order ('data', 'aborted', 'error', 'end'), then a Buffer
// (arraybuffer) or a string in responseEncoding with a UTF-8 BOM removed, then settle.
// transformResponse (JSON) runs later, in axios's dispatchRequest, on both paths. A stream with a
// maxContentLength errors once the limit is passed.
import type { ClientRequest } from 'node:http';
import { Readable } from 'node:stream';
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { AxiosBinding } from './binding';
import { own } from './own';
import { settle } from './settle';

/** What reading a body needs of its exchange (exchange.ts implements it; declared here, so neither imports the other). */
export interface BodyExchange {
  readonly config: InternalAxiosRequestConfig;
  readonly binding: AxiosBinding;
  /** Set once the exchange rejected: later stream events are ignored. */
  rejected: boolean;
  abort(reason: Error): void;
  resolve(response: AxiosResponse): void;
  reject(reason: unknown): void;
}

function stripBOM(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function readBody(ex: BodyExchange, stream: Readable, response: AxiosResponse, request: ClientRequest, maxContentLength: number): void {
  const config = ex.config;
  const binding = ex.binding;
  const E = binding.AxiosError;
  const chunks: Buffer[] = [];
  let total = 0;

  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    total += chunk.length;
    if (maxContentLength > -1 && total > maxContentLength) {
      // Marked first: destroying the stream may emit 'aborted' on the response synchronously.
      ex.rejected = true;
      stream.destroy();
      ex.abort(new E('maxContentLength size of ' + maxContentLength + ' exceeded', E.ERR_BAD_RESPONSE, config, request));
    }
  });

  // Emitted by an IncomingMessage destroyed before its end (not by a decoder in front of it).
  stream.on('aborted', () => {
    if (ex.rejected) return;
    const err = new E('stream has been aborted', E.ERR_BAD_RESPONSE, config, request, response);
    stream.destroy(err);
    ex.reject(err);
  });

  stream.on('error', (err: Error) => {
    if (ex.rejected) return;
    ex.reject(E.from(err, undefined, config, request, response));
  });

  stream.on('end', () => {
    try {
      const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      if (own(config, 'responseType') !== 'arraybuffer') {
        const encoding = own(config, 'responseEncoding') as BufferEncoding | undefined;
        let text = bytes.toString(encoding);
        if (!encoding || encoding === 'utf8') text = stripBOM(text);
        response.data = text;
      } else {
        response.data = bytes;
      }
    } catch (err) {
      ex.reject(E.from(err, undefined, config, response.request, response));
      return;
    }
    settle(binding, ex.resolve, ex.reject, response);
  });
}

/** axios enforces maxContentLength on stream responses too: the stream errors past the limit. */
export function limitStream(ex: BodyExchange, source: Readable, limit: number, request: ClientRequest): Readable {
  const E = ex.binding.AxiosError;
  const config = ex.config;
  async function* limited(): AsyncGenerator<Buffer> {
    let total = 0;
    for await (const chunk of source) {
      total += (chunk as Buffer).length;
      if (total > limit) throw new E('maxContentLength size of ' + limit + ' exceeded', E.ERR_BAD_RESPONSE, config, request);
      yield chunk as Buffer;
    }
  }
  return Readable.from(limited(), { objectMode: false });
}
