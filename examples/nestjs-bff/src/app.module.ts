import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import type { KeepAliveOptions } from 'axios-keepalive';
import { ItemsController } from './items.controller';
import { KeepAliveHttpModule } from './keep-alive-http.module';

@Module({})
export class AppModule {
  static forUpstream(baseURL: string, keepAlive: KeepAliveOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [KeepAliveHttpModule.register({ baseURL, keepAlive })],
      controllers: [ItemsController],
    };
  }
}
