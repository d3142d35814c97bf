import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * The program documents of CONTRACT §8 as OpenAPI sees them. The request bodies are validated by the DTO classes of
 * @engine/contracts (ProgramDocumentDto, ProgramVersionDocumentDto: the PROGRAMS_FILE import uses the same ones),
 * which carry no OpenAPI metadata (the parse worker loads that library); these classes document them and the
 * responses, which are the same documents plus `createdAt`.
 */

export class CurrencyTermsDoc {
  @ApiProperty({ description: 'spend that qualifies a referral, > 0, decimal string in the currency digits', example: '200.00' }) qualificationThreshold: string;
  @ApiProperty({ description: 'bonus at qualification, ≥ 0', example: '80.00' }) bonus: string;
  @ApiProperty({ description: 'cumulative commissionable spend up to which baseRateBps applies (upperRateBps above), ≥ 0', example: '10000.00' }) tierBoundary: string;
  @ApiProperty({ description: 'most commission a referral earns in this currency, ≥ 0', example: '5000.00' }) commissionCap: string;
}

export class CurrenciesDoc {
  @ApiPropertyOptional({ type: CurrencyTermsDoc }) USD?: CurrencyTermsDoc;
  @ApiPropertyOptional({ type: CurrencyTermsDoc }) EUR?: CurrencyTermsDoc;
  @ApiPropertyOptional({ type: CurrencyTermsDoc }) CNY?: CurrencyTermsDoc;
  @ApiPropertyOptional({ type: CurrencyTermsDoc }) JPY?: CurrencyTermsDoc;
}

export class ProgramTermsDoc {
  @ApiProperty({ minimum: 1, maximum: 36500, example: 90 }) attributionWindowDays: number;
  @ApiProperty({ minimum: 1, maximum: 36500, example: 30 }) activationWindowDays: number;
  @ApiProperty({ minimum: 1, maximum: 36500, example: 90 }) qualificationWindowDays: number;
  @ApiProperty({ minimum: 1, maximum: 36500, example: 365 }) commissionWindowDays: number;
  @ApiProperty({ minimum: 0, maximum: 36500, example: 7 }) expiryGraceDays: number;
  @ApiProperty({ minimum: 0, maximum: 36500, example: 30 }) holdingPeriodDays: number;
  @ApiProperty({ type: [String], example: ['coupon_site', 'paid_search_brand'], description: 'distinct; returned sorted' }) excludedChannels: string[];
  @ApiProperty({ type: [String], example: ['credits.', 'marketplace.'], description: 'distinct; returned sorted' }) excludedProductPrefixes: string[];
  @ApiProperty({ minimum: 0, maximum: 10000, example: 1200 }) baseRateBps: number;
  @ApiProperty({ minimum: 0, maximum: 10000, example: 1500 }) upperRateBps: number;
  @ApiProperty({ type: CurrenciesDoc, description: 'by supported currency; a currency left out earns nothing under this version' }) currencies: CurrenciesDoc;
}

export class ProgramVersionBodyDoc {
  @ApiProperty({ minimum: 1, example: 2, description: 'unique within the program' }) version: number;
  @ApiProperty({ format: 'date-time', example: '2027-01-01T00:00:00Z', description: 'RFC 3339; not before the engine clock (else 409 RETROACTIVE_VERSION)' }) effectiveFrom: string;
  @ApiPropertyOptional({ type: ProgramTermsDoc, description: 'complete terms (never a diff); absent when retired' }) terms?: ProgramTermsDoc;
  @ApiPropertyOptional({ enum: [true], description: 'instead of terms: from effectiveFrom the program matches nothing (not for standard)' }) retired?: true;
}

export class ProgramScopeDoc {
  @ApiProperty({ type: [String], nullable: true, example: ['ap-southeast-1', 'ap-northeast-1'], description: 'null or absent: every region' }) regions: string[] | null;
  @ApiProperty({ type: [String], nullable: true, example: null, description: 'null or absent: every partner group' }) partnerGroups: string[] | null;
}

export class ProgramBodyDoc {
  @ApiProperty({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', example: 'apac-launch' }) programId: string;
  @ApiProperty({ example: 'APAC launch offer' }) name: string;
  @ApiProperty({ example: 10, description: 'higher binds first; ties by programId' }) priority: number;
  @ApiPropertyOptional({ type: ProgramScopeDoc }) scope?: ProgramScopeDoc;
  @ApiProperty({ type: [ProgramVersionBodyDoc], description: 'at least one; version numbers distinct' }) versions: ProgramVersionBodyDoc[];
}

export class ProgramVersionDto extends ProgramVersionBodyDoc {
  @ApiProperty({ format: 'date-time', description: 'when the version was added' }) createdAt: string;
}

export class ProgramDto {
  @ApiProperty({ example: 'apac-launch' }) programId: string;
  @ApiProperty({ example: 'APAC launch offer' }) name: string;
  @ApiProperty({ example: 10 }) priority: number;
  @ApiProperty({ type: ProgramScopeDoc }) scope: ProgramScopeDoc;
  @ApiProperty({ type: [ProgramVersionDto], description: 'in version order' }) versions: ProgramVersionDto[];
  @ApiProperty({ format: 'date-time', description: 'when the program was added (the migration, for standard)' }) createdAt: string;
}

export class ProgramListDto {
  @ApiProperty({ type: [ProgramDto], description: 'in binding order: descending priority, then programId' }) programs: ProgramDto[];
}
