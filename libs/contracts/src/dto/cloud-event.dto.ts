import { Equals, IsDefined, IsNotEmpty, IsObject, IsString, MaxLength, Validate } from 'class-validator';
import { IsRfc3339 } from './rfc3339';

/** CloudEvents 1.0, structured JSON mode: the attributes CONTRACT §2 requires. Extension attributes are allowed. */
export class CloudEventDto {
  @Equals('1.0')
  specversion: string;

  @IsString() @IsNotEmpty() @MaxLength(256)
  id: string;

  @IsString() @IsNotEmpty() @MaxLength(512)
  source: string;

  @IsString() @IsNotEmpty() @MaxLength(256)
  type: string;

  @IsString() @Validate(IsRfc3339)
  time: string;

  @IsDefined() @IsObject()
  data: Record<string, unknown>;
}
