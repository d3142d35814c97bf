import { Injectable } from '@nestjs/common';
import { Clock } from '@engine/config';
import { ProgramDocumentDto, ProgramVersionDocumentDto } from '@engine/contracts';
import { StoredProgram, StoredProgramVersion, storedVersionDocument } from '@engine/persistence';
import { CatalogueRefusalCode } from '../../programs/catalogue-rules';
import { CatalogueChangeRefused, ProgramCatalogueService } from '../../programs/program-catalogue.service';
import { ApiException, ApiExceptionCode } from '../errors/api.exception';
import { ProgramDto, ProgramListDto, ProgramVersionDto } from './dtos/program.dto';

function versionView(version: StoredProgramVersion): ProgramVersionDto {
  return { ...storedVersionDocument(version), createdAt: version.createdAt.toISOString() };
}

function programView(program: StoredProgram): ProgramDto {
  return {
    programId: program.programId,
    name: program.name,
    priority: program.priority,
    scope: { regions: program.regions, partnerGroups: program.partnerGroups },
    versions: program.versions.map(versionView),
    createdAt: program.createdAt.toISOString(),
  };
}

/** The refusal as the API reports it: 409 with its code, or 400 naming `retired` for standard. */
function apiError(error: unknown): unknown {
  if (!(error instanceof CatalogueChangeRefused)) return error;
  const [first] = error.refusals;
  const versions = error.refusals.filter((r) => r.code === first.code && r.version !== undefined).map((r) => r.version);
  const details = { programId: first.programId, ...(versions.length > 0 ? { versions } : {}) };
  const message = error.refusals.filter((r) => r.code === first.code).map((r) => r.message).join('; ');
  switch (first.code) {
    case CatalogueRefusalCode.STANDARD_NOT_RETIRABLE:
      return ApiException.invalid('retired', message);
    case CatalogueRefusalCode.PROGRAM_CONFLICT:
      return new ApiException(ApiExceptionCode.PROGRAM_CONFLICT, message, details);
    case CatalogueRefusalCode.VERSION_CONFLICT:
      return new ApiException(ApiExceptionCode.VERSION_CONFLICT, message, details);
    case CatalogueRefusalCode.RETROACTIVE_VERSION:
      return new ApiException(ApiExceptionCode.RETROACTIVE_VERSION, message, details);
    default: {
      const unreachable: never = first.code;
      throw new Error(`unmapped catalogue refusal ${String(unreachable)}`);
    }
  }
}

/** GET/POST /v1/programs (CONTRACT §8): the catalogue in the document format, additions at the engine clock. */
@Injectable()
export class ProgramsService {
  constructor(
    private readonly catalogue: ProgramCatalogueService,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<ProgramListDto> {
    return { programs: (await this.catalogue.list()).map(programView) };
  }

  async get(programId: string): Promise<ProgramDto> {
    const program = await this.catalogue.get(programId);
    if (!program) throw new ApiException(ApiExceptionCode.NOT_FOUND, `no program ${programId}`);
    return programView(program);
  }

  async create(body: ProgramDocumentDto): Promise<{ created: boolean; program: ProgramDto }> {
    try {
      const { created, program } = await this.catalogue.createProgram(body, this.clock.now());
      return { created, program: programView(program) };
    } catch (error) {
      throw apiError(error);
    }
  }

  async addVersion(programId: string, body: ProgramVersionDocumentDto): Promise<{ created: boolean; version: ProgramVersionDto }> {
    let result: Awaited<ReturnType<ProgramCatalogueService['addVersion']>>;
    try {
      result = await this.catalogue.addVersion(programId, body, this.clock.now());
    } catch (error) {
      throw apiError(error);
    }
    if (!result) throw new ApiException(ApiExceptionCode.NOT_FOUND, `no program ${programId}`);
    return { created: result.created, version: versionView(result.version) };
  }
}

