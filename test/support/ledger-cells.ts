import { Currency, formatAmount } from '@engine/domain';

/** Sums rows into "partner|currency|period" and "partner|currency" cells as decimal strings, zero cells left out. */
export function ledgerCells(rows: { partner_id: string; currency: string; effective_period: string; amount: string | bigint }[]) {
  const byPeriod = new Map<string, bigint>();
  const byPartner = new Map<string, bigint>();
  for (const row of rows) {
    const amount = BigInt(row.amount);
    const a = `${row.partner_id}|${row.currency}|${row.effective_period}`;
    const b = `${row.partner_id}|${row.currency}`;
    byPeriod.set(a, (byPeriod.get(a) ?? 0n) + amount);
    byPartner.set(b, (byPartner.get(b) ?? 0n) + amount);
  }
  const render = (map: Map<string, bigint>) =>
    Object.fromEntries([...map].filter(([, v]) => v !== 0n).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, formatAmount(v, k.split('|')[1] as Currency)]));
  return { byPeriod: render(byPeriod), byPartner: render(byPartner) };
}
