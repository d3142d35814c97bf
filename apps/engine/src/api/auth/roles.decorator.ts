import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Principal, Role } from './principal';

export const ROLES_KEY = 'api:roles';
export const PARTNER_SCOPE_KEY = 'api:partner-scope';

/** Which kinds of key may call the endpoint. A /v1 endpoint without @Roles is refused to every key (fail closed). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export interface PartnerScope {
  source: 'params' | 'query';
  name: string;
}

/**
 * A partner key may call the endpoint only for its own partner, named by this route parameter or query parameter
 * (403 otherwise). When the parameter is absent, the service scopes the request to the key's partner.
 */
export const PartnerScoped = (source: PartnerScope['source'], name = 'partnerId') => SetMetadata(PARTNER_SCOPE_KEY, { source, name } satisfies PartnerScope);

/** The authenticated caller, set by ApiKeyGuard. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
