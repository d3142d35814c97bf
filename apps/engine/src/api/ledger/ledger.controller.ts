import { Get, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse } from '@nestjs/swagger';
import { Response } from 'express';
import { Principal } from '../auth/principal';
import { CurrentPrincipal, PartnerScoped, Roles } from '../auth/roles.decorator';
import { ApiV1Controller } from '../common/api-controller.decorator';
import { ExportSlots } from '../common/export-slots';
import { LEDGER_CSV_HEADER, LedgerEntryDto } from './dtos/ledger-entry.dto';
import { LedgerQueryDto } from './dtos/ledger-query.dto';
import { LedgerExportService } from './ledger-export.service';

@ApiV1Controller('ledger', 'ledger')
export class LedgerController {
  constructor(
    private readonly exports: LedgerExportService,
    private readonly slots: ExportSlots,
  ) {}

  @Get()
  @Roles('finance', 'partner')
  @PartnerScoped('query')
  @ApiOperation({
    summary: 'Ledger entries booked in a period (streamed)',
    description: `Entries whose bookedPeriod is \`period\`, in entryId order, streamed from the database (COPY … TO STDOUT, back-pressured) without holding the period in memory. JSON: an array of entries. CSV (format=csv): RFC 4180 with CRLF line ends and the header \`${LEDGER_CSV_HEADER}\`.`,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: LedgerEntryDto, isArray: true })
  @ApiBadRequestResponse({ description: 'a bad period, partnerId or format (the message names it)' })
  @ApiResponse({ status: 429, description: 'TOO_MANY_EXPORTS: EXPORT_CONCURRENCY exports are running; retry after `Retry-After` seconds' })
  @ApiResponse({ status: 503, description: 'DATABASE_TIMEOUT or DATABASE_UNAVAILABLE before the first byte; retry after `Retry-After` seconds' })
  async export(@Query() query: LedgerQueryDto, @CurrentPrincipal() principal: Principal, @Res() response: Response): Promise<void> {
    const partnerId = principal.kind === 'partner' ? principal.partnerId : query.partnerId ?? null;
    const format = query.format ?? 'json';
    const name = `ledger-${query.period}${partnerId ? `-${partnerId.replace(/[^A-Za-z0-9._-]/g, '_')}` : ''}.${format}`;
    // a slot before a connection: 429 when EXPORT_CONCURRENCY run; held until the response closes, cut at EXPORT_TIMEOUT_MS
    this.slots.take(response, `GET /v1/ledger ${name}`);
    response.status(200);
    response.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
    response.setHeader('Content-Disposition', `${format === 'csv' ? 'attachment' : 'inline'}; filename="${name}"`);
    response.setHeader('Cache-Control', 'no-store');
    let result: Awaited<ReturnType<LedgerExportService['export']>>;
    try {
      result = await this.exports.export({ period: query.period, partnerId }, format, response);
    } catch (error) {
      // failed before its first byte (no connection in time, a timeout): the error body is JSON, not the file
      if (!response.headersSent) {
        response.removeHeader('Content-Disposition');
        response.removeHeader('Content-Type');
      }
      throw error;
    }
    if (result.complete) response.end();
  }
}
