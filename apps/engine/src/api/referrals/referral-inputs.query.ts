import { factsKey, InputEvent, isGenericDomain, LinkKey, listedUnder, partnerKey, referralKey, Rules, RuleSettings, walkFamily } from '@engine/domain';
import { EventStoreRepository, ProgramCatalogueRepository, Queryable } from '@engine/persistence';

/** What the rules read to decide one referral: its family, its claimants' facts, its submitters' partner events, the catalogue. */
export interface ReferralInputs {
  events: InputEvent[];
  rules: Rules;
}

/**
 * The inputs of one referral as the engine evaluates them (CONTRACT §8 "Explanation"): the family reached from its
 * referral id, the facts of every customer with a signup in that family, the partner events of every partner with a
 * submission in it, and the program catalogue. Run it in one REPEATABLE READ transaction so that the pieces agree.
 */
export class ReferralInputsQuery {
  constructor(
    private readonly store = new EventStoreRepository(),
    private readonly catalogues = new ProgramCatalogueRepository(),
  ) {}

  async load(q: Queryable, referralId: string, settings: RuleSettings): Promise<ReferralInputs> {
    const isGeneric = (domain: string) => isGenericDomain(settings, domain);
    const family = await walkFamily([referralKey(referralId)], (keys) => this.listed(q, keys, isGeneric), isGeneric);
    const around = new Set<LinkKey>();
    for (const event of family) around.add(event.type === 'customer.signed_up' ? factsKey(event.customerId) : partnerKey(event.partnerId));
    const linked = around.size > 0 ? await this.store.loadLinked(q, around) : [];
    const catalogue = await this.catalogues.load(q);
    return { events: [...family, ...linked], rules: { ...settings, catalogue } };
  }

  /** The stored events listed under each of `keys`. */
  private async listed(q: Queryable, keys: LinkKey[], isGeneric: (domain: string) => boolean): Promise<Map<LinkKey, InputEvent[]>> {
    const byKey = new Map<LinkKey, InputEvent[]>(keys.map((key) => [key, []]));
    for (const event of await this.store.loadLinked(q, keys)) {
      for (const key of listedUnder(event, isGeneric)) byKey.get(key)?.push(event);
    }
    return byKey;
  }
}
