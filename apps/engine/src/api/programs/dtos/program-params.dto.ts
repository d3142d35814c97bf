import { ApiProperty } from '@nestjs/swagger';
import { PROGRAM_ID_PATTERN } from '@engine/domain';
import { IsString, Matches } from 'class-validator';

export class ProgramIdParamDto {
  @ApiProperty({ example: 'apac-launch', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' })
  @IsString()
  @Matches(PROGRAM_ID_PATTERN, { message: '$property must match [a-z0-9][a-z0-9-]{0,63}' })
  programId: string;
}
