import { Body, Get, HttpStatus, Param, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiBody, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation,
} from '@nestjs/swagger';
import { ProgramDocumentDto, ProgramVersionDocumentDto } from '@engine/contracts';
import { Response } from 'express';
import { Roles } from '../auth/roles.decorator';
import { ApiV1Controller } from '../common/api-controller.decorator';
import { ProgramBodyDoc, ProgramDto, ProgramListDto, ProgramVersionBodyDoc, ProgramVersionDto } from './dtos/program.dto';
import { ProgramIdParamDto } from './dtos/program-params.dto';
import { ProgramsService } from './programs.service';

@ApiV1Controller('programs', 'programs')
export class ProgramsController {
  constructor(private readonly programs: ProgramsService) {}

  @Get()
  @Roles('finance')
  @ApiOperation({ summary: 'The program catalogue (finance)', description: 'Every program with its scope, priority and versions, in binding order (descending priority, then programId).' })
  @ApiOkResponse({ type: ProgramListDto })
  list(): Promise<ProgramListDto> {
    return this.programs.list();
  }

  @Get(':programId')
  @Roles('finance')
  @ApiOperation({ summary: 'One program with its versions (finance)' })
  @ApiOkResponse({ type: ProgramDto })
  @ApiNotFoundResponse({ description: 'no such program' })
  @ApiBadRequestResponse({ description: 'a malformed programId' })
  get(@Param() params: ProgramIdParamDto): Promise<ProgramDto> {
    return this.programs.get(params.programId);
  }

  @Post()
  @Roles('finance')
  @ApiOperation({
    summary: 'Add a program (finance)',
    description:
      'Creates a program with its versions (CONTRACT §8). Its name, priority and scope are fixed from then on; later terms come as new versions. ' +
      'The same body again (amounts, times and list order may be written differently) returns the stored program (200); another body under an existing programId is a 409 PROGRAM_CONFLICT. ' +
      'No version may take effect before the engine clock (409 RETROACTIVE_VERSION).',
  })
  @ApiBody({ type: ProgramBodyDoc })
  @ApiCreatedResponse({ type: ProgramDto, description: 'created' })
  @ApiOkResponse({ type: ProgramDto, description: 'the same body again: the stored program' })
  @ApiConflictResponse({ description: 'PROGRAM_CONFLICT: the programId exists with another body; RETROACTIVE_VERSION: a version effective before the engine clock' })
  @ApiBadRequestResponse({ description: 'a bad field (the message and `fields` name it, e.g. versions.0.terms.currencies.USD.bonus)' })
  async create(@Body() body: ProgramDocumentDto, @Res({ passthrough: true }) response: Response): Promise<ProgramDto> {
    const result = await this.programs.create(body);
    response.status(result.created ? HttpStatus.CREATED : HttpStatus.OK);
    return result.program;
  }

  @Post(':programId/versions')
  @Roles('finance')
  @ApiOperation({
    summary: 'Add a version of a program (finance)',
    description:
      'Adds effective-dated terms, or `retired: true`, to a program (CONTRACT §8). The same version again returns it (200); the same version number with other content is a 409 VERSION_CONFLICT; ' +
      'a version effective before the engine clock is a 409 RETROACTIVE_VERSION. `standard` cannot be retired (400, field `retired`).',
  })
  @ApiBody({ type: ProgramVersionBodyDoc })
  @ApiCreatedResponse({ type: ProgramVersionDto, description: 'added' })
  @ApiOkResponse({ type: ProgramVersionDto, description: 'the same version again: the stored one' })
  @ApiNotFoundResponse({ description: 'no such program' })
  @ApiConflictResponse({ description: 'VERSION_CONFLICT: the version number exists with other content; RETROACTIVE_VERSION: effective before the engine clock' })
  @ApiBadRequestResponse({ description: 'a bad field (the message and `fields` name it), or a retired version of standard' })
  async addVersion(@Param() params: ProgramIdParamDto, @Body() body: ProgramVersionDocumentDto, @Res({ passthrough: true }) response: Response): Promise<ProgramVersionDto> {
    const result = await this.programs.addVersion(params.programId, body);
    response.status(result.created ? HttpStatus.CREATED : HttpStatus.OK);
    return result.version;
  }
}
