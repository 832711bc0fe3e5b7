// A route that calls the upstream through the module's HttpService, as any Nest app does.
import { Controller, Get, Param } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import { firstValueFrom } from 'rxjs';

@Controller('api')
export class ItemsController {
  constructor(private readonly http: HttpService) {}

  @Get('items/:id')
  async item(@Param('id') id: string): Promise<{ item: unknown; upstreamSocket: { reused: boolean | null } }> {
    const res = await firstValueFrom(this.http.get(`/items/${encodeURIComponent(id)}`));
    return { item: res.data, upstreamSocket: { reused: res.keepAlive?.reused ?? null } };
  }
}
