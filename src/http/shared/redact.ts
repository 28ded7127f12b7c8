// Log redaction lives outside http/ (src/redact.ts) so the logger can use it; the route
// option that names a route's own secret parameters is Fastify's, so it is declared here.
export { CREDENTIAL_HEADERS, CREDENTIAL_PARAMS, REDACTED, redactUrl } from '../../redact.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Parameters that are credentials on this route only (path or query, any case), e.g. a
     * share token that opens a download: logged as `[REDACTED]` like the lists of src/redact.ts.
     */
    secretParams?: readonly string[];
  }
}
