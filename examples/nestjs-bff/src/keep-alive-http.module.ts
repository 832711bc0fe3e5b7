// The recipe: @nestjs/axios's HttpModule with the axios-keepalive preset applied to its
// HttpService.axiosRef, and the pool closed when the application shuts down. Copy this file.
//
// - HttpModule.register() (or registerAsync(), for a config that comes from ConfigService) creates
//   one axios instance for the module; HttpService.axiosRef is that instance.
// - KeepAlivePool applies the preset in its constructor: Nest creates every provider before it
//   calls any onModuleInit(), so no call made by the app goes out before the pool is installed.
// - The pool closes in onApplicationShutdown(), not onModuleDestroy(): app.close() runs the
//   onModuleDestroy() hooks first, while the HTTP server is still serving, and only then closes it
//   (@nestjs/core 11 nest-application-context.js close(): callDestroyHook, callBeforeShutdownHook,
//   dispose, callShutdownHook). Closing there would fail the upstream calls of the requests still
//   in flight with ERR_CLIENT_CLOSED; after dispose() the server has finished them.
// - maxRedirects: 0 and proxy: false are what createClient() would set (applyKeepAlive() leaves an
//   instance's settings alone): follow-redirects costs about a fifth of the throughput, and a proxy
//   from HTTP(S)_PROXY would bypass the pool.
import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { HttpModule, HttpService } from '@nestjs/axios';
import { applyKeepAlive, type KeepAliveHandle, type KeepAliveOptions } from 'axios-keepalive';

export const KEEP_ALIVE_OPTIONS = Symbol('KEEP_ALIVE_OPTIONS');

/** The pool of the module's HttpService: stats(), observe(), close(). */
@Injectable()
export class KeepAlivePool implements OnApplicationShutdown {
  readonly handle: KeepAliveHandle;

  constructor(http: HttpService, @Inject(KEEP_ALIVE_OPTIONS) options: KeepAliveOptions) {
    this.handle = applyKeepAlive(http.axiosRef, options);
  }

  async onApplicationShutdown(): Promise<void> {
    this.handle.eject();
    await this.handle.close();
  }
}

export interface KeepAliveHttpOptions {
  /** The upstream's base URL. */
  baseURL: string;
  /** axios-keepalive's options (logger, timeouts, agent, propagateHeaders, summary, ...). */
  keepAlive?: KeepAliveOptions;
}

@Module({})
export class KeepAliveHttpModule {
  static register(options: KeepAliveHttpOptions): DynamicModule {
    return {
      module: KeepAliveHttpModule,
      imports: [HttpModule.register({ baseURL: options.baseURL, maxRedirects: 0, proxy: false })],
      providers: [{ provide: KEEP_ALIVE_OPTIONS, useValue: options.keepAlive ?? {} }, KeepAlivePool],
      exports: [HttpModule, KeepAlivePool],
    };
  }
}
