import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request } from 'express';
import { API_V1 } from '../common/api-controller.decorator';
import { isApiPath } from '../errors/api-exception.filter';
import { ApiException, ApiExceptionCode } from '../errors/api.exception';
import { ApiKeyRegistry, bearerToken } from './api-keys';
import { Principal, Role } from './principal';
import { PARTNER_SCOPE_KEY, PartnerScope, ROLES_KEY } from './roles.decorator';

/**
 * Bound globally (APP_GUARD), enforced on the /v1 API only: /health, /metrics, /docs and the Kafka handlers stay
 * public. No or unknown key → 401; a key whose role the endpoint does not admit, or a partner key asking for
 * another partner → 403. A /v1 route without @Roles admits nobody.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyRegistry,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const targets = [context.getHandler(), context.getClass()];
    const isApi = this.reflector.getAllAndOverride<boolean>(API_V1, targets) === true || isApiPath(request.path);
    if (!isApi) return true;

    const principal = this.keys.authenticate(bearerToken(request.headers.authorization));
    if (!principal) throw new ApiException(ApiExceptionCode.UNAUTHENTICATED, 'a known API key is required: Authorization: Bearer <key>');
    request.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [];
    if (!roles.includes(principal.kind)) {
      throw new ApiException(ApiExceptionCode.FORBIDDEN, roles.length > 0 ? `this endpoint is for ${roles.join(' and ')} keys only` : 'this endpoint is not open to API keys');
    }
    if (principal.kind === 'partner') {
      const scope = this.reflector.getAllAndOverride<PartnerScope | undefined>(PARTNER_SCOPE_KEY, targets);
      const asked = scope ? (request[scope.source] as Record<string, unknown> | undefined)?.[scope.name] : undefined;
      if (asked !== undefined && asked !== principal.partnerId) {
        throw new ApiException(ApiExceptionCode.FORBIDDEN, `a partner key sees only its own partner's data`);
      }
    }
    return true;
  }
}
