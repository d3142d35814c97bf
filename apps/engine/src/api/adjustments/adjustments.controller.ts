import { Body, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Response } from 'express';
import { Roles } from '../auth/roles.decorator';
import { ApiV1Controller } from '../common/api-controller.decorator';
import { AdjustmentService } from './adjustment.service';
import { AdjustmentDto } from './dtos/adjustment.dto';
import { CreateAdjustmentDto } from './dtos/create-adjustment.dto';
import { IdempotencyKey } from './idempotency-key.decorator';

@ApiV1Controller('adjustments', 'adjustments')
export class AdjustmentsController {
  constructor(private readonly adjustments: AdjustmentService) {}

  @Post()
  @Roles('finance')
  @ApiOperation({
    summary: 'Post a manual adjustment (finance)',
    description:
      'Posts a MANUAL_ADJUSTMENT ledger entry effective now (the engine clock), booked into the earliest open period, and publishes it on commission.accrued.v1. The same Idempotency-Key with the same body returns the same entry (200); with another body, 409.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: '1-200 visible ASCII characters, unique per intended adjustment' })
  @ApiCreatedResponse({ type: AdjustmentDto, description: 'posted' })
  @ApiOkResponse({ type: AdjustmentDto, description: 'a replay: the entry posted by the first request with this key' })
  @ApiConflictResponse({ description: 'IDEMPOTENCY_KEY_REUSED: the key was used with another body' })
  @ApiBadRequestResponse({ description: 'a bad field or a missing Idempotency-Key (the message names it)' })
  async create(@IdempotencyKey() key: string, @Body() body: CreateAdjustmentDto, @Res({ passthrough: true }) response: Response): Promise<AdjustmentDto> {
    const result = await this.adjustments.create(key, body);
    response.status(result.created ? HttpStatus.CREATED : HttpStatus.OK);
    return result.adjustment;
  }
}
