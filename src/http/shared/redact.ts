/**
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

/** `url` with the values of credential parameters replaced (one pass; untouched when it has none). */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url.slice(q + 1).split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const eq = parts[i].indexOf('=');
    const raw = eq < 0 ? parts[i] : parts[i].slice(0, eq);
    let name: string;
    try {
      name = decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
    } catch {
      name = raw.toLowerCase();
    }
    if (eq >= 0 && CREDENTIAL_PARAMS.has(name)) {
      parts[i] = `${raw}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${parts.join('&')}` : url;
}

/** pino options: redacted headers, and a request serializer that redacts the URL. */
export const logRedaction = {
  redact: { paths: CREDENTIAL_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `headers["${h}"]`, `res.headers["${h}"]`]), censor: REDACTED },
  serializers: {
    req: (req: { method?: string; url?: string; ip?: string; hostname?: string }) => ({ method: req.method, url: redactUrl(req.url ?? ''), ip: req.ip, hostname: req.hostname }),
  },
};
