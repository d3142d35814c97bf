import { InitialSchema1764201600000 } from './1764201600000-initial-schema';
import { AdjustmentReason1764288000000 } from './1764288000000-adjustment-reason';
import { RuleStateVersion1764374400000 } from './1764374400000-rule-state-version';
import { DeadLetter1764460800000 } from './1764460800000-dead-letter';
import { OutboxBatches1764547200000 } from './1764547200000-outbox-batches';
import { BoundedIngest1764633600000 } from './1764633600000-bounded-ingest';
import { PartnerEvents1764806400000 } from './1764806400000-partner-events';
import { ProgramCatalogue1764806400001 } from './1764806400001-program-catalogue';
import { ProgramBinding1764806400002 } from './1764806400002-program-binding';
import { PayoutEvents1764892800000 } from './1764892800000-payout-events';
import { PayoutOrders1764892800001 } from './1764892800001-payout-orders';
import { LeastPrivilege1764979200000 } from './1764979200000-least-privilege';
import { DeadLetterBytes1765065600000 } from './1765065600000-dead-letter-bytes';

/** Every migration, in order. Listed by class so the same list works from ts (tests) and js (dist). */
export const MIGRATIONS = [InitialSchema1764201600000, AdjustmentReason1764288000000, RuleStateVersion1764374400000, DeadLetter1764460800000, OutboxBatches1764547200000, BoundedIngest1764633600000, PartnerEvents1764806400000, ProgramCatalogue1764806400001, ProgramBinding1764806400002, PayoutEvents1764892800000, PayoutOrders1764892800001, LeastPrivilege1764979200000, DeadLetterBytes1765065600000];
