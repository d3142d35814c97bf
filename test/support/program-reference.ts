import { programFromDocument, validateProgramsFile } from '@engine/contracts';
import { Catalogue, catalogueOf, evaluate, ProgramDefinition, Rules, STANDARD_PROGRAM, STANDARD_PROGRAM_ID } from '@engine/domain';
import { classifyMessages, ScenarioMessage } from '@engine/testing';

/**
 * The pure reference (`evaluate()` from @engine/domain) under a given catalogue and enrollment, and the engine's
 * database read into the same shape, so that an integration test can say `expect(engineView).toEqual(reference)`.
 */

/**
 * The catalogue the engine binds with after importing these program documents (as PROGRAMS_FILE or through the API):
 * the built-in `standard`, to which a `standard` document only adds versions.
 */
export function catalogueWith(documents: unknown[]): Catalogue {
  const file = validateProgramsFile({ programs: documents });
  if (!file.ok) throw new Error(`bad program documents: ${file.problems.map((p) => p.message).join('; ')}`);
  const programs = new Map<string, ProgramDefinition>([[STANDARD_PROGRAM_ID, STANDARD_PROGRAM]]);
  for (const doc of file.value.programs) {
    const program = programFromDocument(doc);
    const known = programs.get(program.programId);
    programs.set(program.programId, known ? { ...known, versions: [...known.versions, ...program.versions] } : program);
  }
  return catalogueOf(programs.values());
}

export interface ReferralOutcomeView {
  partnerId: string;
  customerId: string | null;
  status: string;
  reason: string | null;
  programId: string;
  programVersion: number;
}

/** What the ledger and the referral table must say: compared whole, both sides built the same way. */
export interface LedgerView {
  referrals: Record<string, ReferralOutcomeView>;
  /** "referralId|currency" → net minor units (zero totals left out) */
  totals: Record<string, string>;
  /** "referralId|partnerId|slot|currency|effectiveAt" → net minor units: every single amount (zero nets left out) */
  amounts: Record<string, string>;
}

const amountKey = (referralId: string, partnerId: string, slot: string, currency: string, effectiveAt: number) =>
  `${referralId}|${partnerId}|${slot}|${currency}|${new Date(effectiveAt).toISOString()}`;

function nonZero(map: Map<string, bigint>): Record<string, string> {
  return Object.fromEntries([...map].filter(([, v]) => v !== 0n).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v.toString()]));
}

function add(map: Map<string, bigint>, key: string, amount: bigint): void {
  map.set(key, (map.get(key) ?? 0n) + amount);
}

/** The reference for a set of published messages (contract topic names): parsed as the engine parses, then evaluated. */
export function referenceLedger(messages: ScenarioMessage[], now: number, rules: Rules): LedgerView & { rejected: string[] } {
  const { events, rejected } = classifyMessages(messages);
  const result = evaluate(events, now, rules);
  const referrals = Object.fromEntries(result.referrals.map((r) => [r.referralId, {
    partnerId: r.partnerId, customerId: r.customerId, status: r.status, reason: r.reason, programId: r.programId, programVersion: r.programVersion,
  }]));
  const totals = new Map<string, bigint>();
  const amounts = new Map<string, bigint>();
  for (const a of result.amounts) {
    add(totals, `${a.referralId}|${a.currency}`, a.amount);
    add(amounts, amountKey(a.referralId, a.partnerId, a.slot, a.currency, a.effectiveAt), a.amount);
  }
  return { referrals, totals: nonZero(totals), amounts: nonZero(amounts), rejected: rejected.map((r) => r.code) };
}

type Query = <T = any>(sql: string, params?: unknown[]) => Promise<T[]>;

/** The same view from the engine's database (referral rows and ledger entries; manual adjustments left out). */
export async function engineLedger(query: Query): Promise<LedgerView> {
  const rows = await query('SELECT referral_id, partner_id, customer_id, status, reason, program_id, program_version FROM referral');
  const referrals = Object.fromEntries(rows.map((r) => [r.referral_id, {
    partnerId: r.partner_id, customerId: r.customer_id, status: r.status, reason: r.reason, programId: r.program_id, programVersion: r.program_version,
  }]));
  const entries = await query(`SELECT referral_id, partner_id, slot, currency, effective_at, amount::text FROM ledger_entry WHERE type <> 'MANUAL_ADJUSTMENT'`);
  const totals = new Map<string, bigint>();
  const amounts = new Map<string, bigint>();
  for (const e of entries) {
    add(totals, `${e.referral_id}|${e.currency}`, BigInt(e.amount));
    add(amounts, amountKey(e.referral_id, e.partner_id, e.slot, e.currency, e.effective_at.getTime()), BigInt(e.amount));
  }
  return { referrals, totals: nonZero(totals), amounts: nonZero(amounts) };
}
