/** Who is calling: finance sees everything; a partner sees only its own partner's data (CONTRACT §6). */
export type Principal = { kind: 'finance' } | { kind: 'partner'; partnerId: string };

export type Role = Principal['kind'];

export function mayActFor(principal: Principal, partnerId: string): boolean {
  return principal.kind === 'finance' || principal.partnerId === partnerId;
}
