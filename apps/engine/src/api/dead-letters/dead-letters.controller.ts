import { Get, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import { Response } from 'express';
import { Roles } from '../auth/roles.decorator';
import { ApiV1Controller } from '../common/api-controller.decorator';
import { DeadLetterService } from './dead-letter.service';
import { DEAD_LETTERS_CSV_HEADER, DeadLettersDto, deadLettersCsv } from './dtos/dead-letter.dto';
import { DeadLettersQueryDto } from './dtos/dead-letter-query.dto';

@ApiV1Controller('dead-letters', 'dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLetterService) {}

  @Get()
  @Roles('finance', 'ops')
  @ApiOperation({
    summary: 'Messages the engine refused (CONTRACT §2), with code, message, coordinates and the original bytes (finance, ops)',
    description:
      'In (topic, partition, offset) order, paged (`limit`, `after` = the previous page\'s `nextAfter`). The value is given as text when it is valid UTF-8 ' +
      `and always as base64. CSV (format=csv): RFC 4180, CRLF, header \`${DEAD_LETTERS_CSV_HEADER}\`, text cells neutralised against formulas; ` +
      'the next page\'s cursor is in the `X-Next-After` header. `npm run dlq -- replay` republishes chosen letters to their source topic.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: DeadLettersDto })
  @ApiBadRequestResponse({ description: 'a bad topic, code, since, limit, after or format (the message names it)' })
  async list(@Query() query: DeadLettersQueryDto, @Res({ passthrough: true }) response: Response): Promise<DeadLettersDto | string> {
    const view = await this.deadLetters.list(query);
    if (query.format !== 'csv') return view;
    response.setHeader('Content-Type', 'text/csv; charset=utf-8');
    response.setHeader('Content-Disposition', 'attachment; filename="dead-letters.csv"');
    if (view.nextAfter !== null) response.setHeader('X-Next-After', view.nextAfter);
    return deadLettersCsv(view);
  }
}
