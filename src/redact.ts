/**
 * Log redaction, shared by the logger (src/logging.ts) and the HTTP layer's access log.
 * The one list of what carries a credential, for every dialect present and future: query
 * and form parameters (compared ignoring case) and headers. Log lines never show their
 * values (access log, error log, anything pino serialises).
 */
export const CREDENTIAL_PARAMS: ReadonlySet<string> = new Set([
  'usertoken', // drive
  'access_token', // OneBot
  'token',
  'code', // share extraction codes, OAuth-style codes
  'extracode', // drive shares
  'password',
  'passwd',
  'secret',
  'apikey',
  'api_key',
  'signature',
  'sig',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
]);

export const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-kura-csrf', 'x-api-key', 'x-amz-security-token'];

export const REDACTED = '[REDACTED]';

/** A query parameter's name as compared: decoded, lower case, without an array suffix (`signature[]`, `token[0]`). */
function paramName(raw: string): string {
  let name: string;
  try {
    name = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    name = raw;
  }
  return name.replace(/\[[^\]]*\]$/, '').toLowerCase();
}

/**
 * The path with the segments of `secret` path parameters of its route `pattern`
 * (`/shares/:token/content`) replaced; the pattern itself when they cannot be told apart.
 */
function redactPath(path: string, pattern: string, secret: readonly string[]): string {
  const want = pattern.split('/');
  if (!want.some((s) => s.startsWith(':') && secret.includes(s.slice(1)))) return path;
  const got = path.split('/');
  if (got.length !== want.length || want.some((s) => s.includes('*'))) return pattern;
  return got.map((s, i) => (want[i].startsWith(':') && secret.includes(want[i].slice(1)) ? REDACTED : s)).join('/');
}

/**
 * `url` with the values of credential parameters replaced (one pass; untouched when it has
 * none): the names of CREDENTIAL_PARAMS everywhere, and a route's own `secretParams` (the HTTP layer's route option, http/shared/redact.ts) in its
 * path (`pattern` is the route's URL pattern) or query.
 */
export function redactUrl(url: string, secret?: readonly string[], pattern?: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const safePath = secret && pattern ? redactPath(path, pattern, secret) : path;
  if (q < 0) return safePath;
  const own = secret?.map((s) => s.toLowerCase());
  const parts = url.slice(q + 1).split('&');
  let changed = safePath !== path;
  for (let i = 0; i < parts.length; i++) {
    const eq = parts[i].indexOf('=');
    if (eq < 0) continue;
    const raw = parts[i].slice(0, eq);
    const name = paramName(raw);
    if (CREDENTIAL_PARAMS.has(name) || own?.includes(name)) {
      parts[i] = `${raw}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? `${safePath}?${parts.join('&')}` : url;
}

/** pino options: redacted headers, and a request serializer that redacts the URL. */
export const logRedaction = {
  redact: { paths: CREDENTIAL_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `headers["${h}"]`, `res.headers["${h}"]`]), censor: REDACTED },
  serializers: {
    req: (req: { method?: string; url?: string; ip?: string; hostname?: string }) => ({ method: req.method, url: redactUrl(req.url ?? ''), ip: req.ip, hostname: req.hostname }),
  },
};
