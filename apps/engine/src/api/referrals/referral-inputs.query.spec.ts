import { Catalogue, explainReferral, InputEvent, isGenericDomain, LinkKey, listedUnder, STANDARD_CATALOGUE, STANDARD_RULES } from '@engine/domain';
import { EventStoreRepository, ProgramCatalogueRepository, Queryable } from '@engine/persistence';
import { activated, partnerApproved, partnerSuspended, signedUp, submitted, usage } from '../../../../../libs/domain/src/testing/event-factory';
import { ReferralInputsQuery } from './referral-inputs.query';

/** An event store in memory: loadLinked answers what listedUnder lists under the keys asked for, and records the asks. */
function storeOf(events: InputEvent[]) {
  const asked: LinkKey[][] = [];
  const store = {
    async loadLinked(_q: Queryable, keys: Iterable<LinkKey>): Promise<InputEvent[]> {
      const wanted = new Set(keys);
      asked.push([...wanted]);
      return events.filter((e) => listedUnder(e, (d) => isGenericDomain(STANDARD_RULES, d)).some((k) => wanted.has(k)));
    },
  };
  return { store: store as unknown as EventStoreRepository, asked };
}

const catalogues = { load: async (): Promise<Catalogue> => STANDARD_CATALOGUE } as unknown as ProgramCatalogueRepository;
const { catalogue: _, ...settings } = STANDARD_RULES;
const q = { query: async () => [] } as unknown as Queryable;

describe('ReferralInputsQuery', () => {
  const s1 = submitted({ referralId: 'r1', partnerId: 'p1', prospectDomain: 'acme.com', at: 1 });
  const s2 = submitted({ referralId: 'r2', partnerId: 'p2', prospectDomain: 'acme.com', at: 2 });
  const g1 = signedUp({ customerId: 'c1', emailDomain: 'acme.com', referralCode: 'r1', at: 5 });
  const g1again = signedUp({ customerId: 'c1', emailDomain: 'gmail.com', at: 6 });
  const a1 = activated({ customerId: 'c1', at: 6 });
  const u1 = usage({ customerId: 'c1', amount: '150.00', at: 10 });
  const p1 = partnerApproved({ partnerId: 'p1', group: 'gold', at: -10 });
  const p2 = partnerSuspended({ partnerId: 'p2', at: -5 });
  // not of r1's family: another referral of p1, another customer, another partner
  const s3 = submitted({ referralId: 'r3', partnerId: 'p1', prospectDomain: 'zeta.example', at: 3 });
  const g3 = signedUp({ customerId: 'c3', emailDomain: 'zeta.example', at: 7 });
  const u3 = usage({ customerId: 'c3', at: 11 });
  const p3 = partnerApproved({ partnerId: 'p3', at: -1 });
  const all = [s1, s2, g1, g1again, a1, u1, p1, p2, s3, g3, u3, p3];

  it("loads the referral's family, its signups' facts and its submitters' partner events, and nothing else", async () => {
    const { store, asked } = storeOf(all);
    const inputs = await new ReferralInputsQuery(store, catalogues).load(q, 'r1', settings);
    const ids = (events: InputEvent[]) => events.map((e) => e.id).sort();
    expect(ids(inputs.events)).toEqual(ids([s1, s2, g1, g1again, a1, u1, p1, p2]));
    expect(inputs.rules).toEqual({ ...settings, catalogue: STANDARD_CATALOGUE });
    expect(asked[0]).toEqual(['r:r1']);
    expect(asked.at(-1)!.sort()).toEqual(['c:c1', 'p:p1', 'p:p2']);
  });

  it('gives the explanation the whole store would give', async () => {
    const { store } = storeOf(all);
    const inputs = await new ReferralInputsQuery(store, catalogues).load(q, 'r1', settings);
    const now = s1.time + 200 * 86_400_000;
    const fromInputs = explainReferral('r1', inputs.events, now, inputs.rules);
    expect(fromInputs).not.toBeNull();
    expect(fromInputs!.totals).toEqual({ USD: 6500n });
    expect(fromInputs).toEqual(explainReferral('r1', all, now, STANDARD_RULES));
  });

  it('loads only the family walk for an unknown referral', async () => {
    const { store, asked } = storeOf(all);
    const inputs = await new ReferralInputsQuery(store, catalogues).load(q, 'nope', settings);
    expect(inputs.events).toEqual([]);
    expect(asked).toEqual([['r:nope']]);
  });
});
