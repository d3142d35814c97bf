import helmet from 'helmet';

/**
 * helmet's response headers on every HTTP response (API, health, metrics, OpenAPI): Content-Security-Policy,
 * Strict-Transport-Security, X-Content-Type-Options: nosniff, X-Frame-Options: SAMEORIGIN, Referrer-Policy:
 * no-referrer, Cross-Origin-Opener/Resource-Policy: same-origin, X-DNS-Prefetch-Control, X-Download-Options,
 * X-Permitted-Cross-Domain-Policies, Origin-Agent-Cluster, and no X-Powered-By.
 *
 * One change from helmet's defaults: no `upgrade-insecure-requests` in the CSP. The engine listens on plain HTTP (TLS,
 * when there is any, ends in front of it), and a browser that upgraded the OpenAPI page's scripts to https would
 * load none of them. helmet's CSP (`script-src 'self'`, inline styles allowed) fits the Swagger UI that
 * @nestjs/swagger serves: its scripts are files under /docs.
 */
export function securityHeaders(): ReturnType<typeof helmet> {
  return helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
}
