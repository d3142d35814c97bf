import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@engine/config';
import { parseRfc3339 } from '@engine/contracts';
import { DeadLetterRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { cursorOf, deadLetterView, parseCursor, sinceInstant, sourceTopic } from '../../dead-letters/dead-letter-view';
import { API_DATA_SOURCE } from '../../engine.tokens';
import { ApiException } from '../errors/api.exception';
import { DeadLettersDto } from './dtos/dead-letter.dto';
import { DEFAULT_DEAD_LETTER_PAGE } from './dtos/dead-letter-query.dto';

export interface DeadLetterQuery {
  topic?: string;
  code?: string;
  since?: string;
  after?: string;
  limit?: number;
}

/** The dead letters for the people who publish: what was refused, why, where, and the bytes. */
@Injectable()
export class DeadLetterService {
  private readonly repository = new DeadLetterRepository();

  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(query: DeadLetterQuery): Promise<DeadLettersDto> {
    const limit = query.limit ?? DEFAULT_DEAD_LETTER_PAGE;
    const after = query.after === undefined ? null : parseCursor(query.after);
    if (query.after !== undefined && after === null) throw ApiException.invalid('after', 'after must be topic:partition:offset (the nextAfter of the previous page)');
    const filter = {
      topic: query.topic === undefined ? null : sourceTopic(this.config.topics, query.topic),
      code: query.code ?? null,
      since: query.since === undefined ? null : sinceInstant(parseRfc3339(query.since)!),
      after,
    };
    const rows = await this.repository.list(this.dataSource, filter, limit + 1);
    const page = rows.slice(0, limit);
    return { deadLetters: page.map(deadLetterView), nextAfter: rows.length > limit ? cursorOf(page[page.length - 1]) : null };
  }
}
