/**
 * Who is calling: finance sees everything; a partner sees only its own partner's data (CONTRACT §6); ops (the people
 * who run the engine and talk to the publishers) sees the dead letters and nothing else.
 */
export type Principal = { kind: 'finance' } | { kind: 'ops' } | { kind: 'partner'; partnerId: string };

export type Role = Principal['kind'];

export function mayActFor(principal: Principal, partnerId: string): boolean {
  return principal.kind === 'finance' || (principal.kind === 'partner' && principal.partnerId === partnerId);
}
