import { isIPv4, isIPv6 } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { atLeastFloor, HASH_FLOOR, type PasswordCost } from '../core/index.js';

/** A setting Kura cannot start with: names the variable and what is wrong with its value. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`invalid configuration: ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Reads one set (non-empty) value of the variable `name`; throws a ConfigError naming it when invalid. */
export type Parser<T> = (raw: string, name: string) => T;

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4 };

/**
 * The one size parser: "10GiB", "512m", "1048576" → bytes; undefined when malformed. Every
 * unit is binary, however spelled: `10GB` is 10 GiB (README says so).
 */
export function parseSize(v: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
  if (!m) return undefined;
  const unit = SIZE_UNITS[m[2].toLowerCase()];
  if (unit === undefined) return undefined;
  const n = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(n) ? n : undefined;
}

const DURATION_UNITS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** The one duration parser: "3600" (seconds), "90s", "30m", "24h", "7d", "2w" → ms; undefined when malformed. */
export function parseDurationMs(v: string): number | undefined {
  const m = /^\s*(\d+)\s*([smhdw]?)\s*$/.exec(v);
  if (!m) return undefined;
  const ms = Number(m[1]) * DURATION_UNITS[m[2]];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** A whole number within [min, max]. */
export const whole =
  (min: number, max: number): Parser<number> =>
  (raw, name) => {
    if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
    return n;
  };

/** A duration in whole seconds within [min, max] seconds: seconds, or a number with a unit (s, m, h, d, w). */
export const seconds =
  (min: number, max: number): Parser<number> =>
  (raw, name) => {
    const ms = parseDurationMs(raw);
    if (ms === undefined) throw new ConfigError(name, `expected seconds or a duration such as 90s, 30m, 24h or 7d, got "${raw}"`);
    const s = ms / 1000;
    if (s < min || s > max) throw new ConfigError(name, `must be between ${min} and ${max} seconds, got "${raw}"`);
    return s;
  };

/** A size in bytes, at least 1. */
export const size: Parser<number> = (raw, name) => {
  const n = parseSize(raw);
  if (n === undefined || n < 1) throw new ConfigError(name, `expected a size such as 1048576 or 10GiB (units are binary: 10GB = 10GiB), got "${raw}"`);
  return n;
};

export const flag: Parser<boolean> = (raw, name) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
};

/** The value as given. */
export const text: Parser<string> = (raw) => raw;

/** One of `choices`, compared after `norm` (trimmed, and lower-cased when asked). */
export const oneOf =
  <C extends string>(choices: readonly C[], norm: { trim?: boolean; lower?: boolean } = {}): Parser<C> =>
  (raw, name) => {
    let v = norm.trim ? raw.trim() : raw;
    if (norm.lower) v = v.toLowerCase();
    if (!(choices as readonly string[]).includes(v)) throw new ConfigError(name, `expected ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}, got "${norm.lower ? raw : v}"`);
    return v as C;
  };

export const url =
  (...protocols: string[]): Parser<string> =>
  (raw, name) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new ConfigError(name, `not a URL: "${raw}"`);
    }
    if (!protocols.includes(u.protocol)) throw new ConfigError(name, `expected ${protocols.join(' or ')} URL, got "${u.protocol}"`);
    return raw;
  };

/** The comma-separated entries of a value, trimmed, empty ones dropped. */
export const entries = (raw: string): string[] =>
  raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);

const IPV4_CIDR = /^(\d{1,3})(\.\d{1,3}){3}(\/(3[0-2]|[12]?\d))?$/;

export const trustProxy: Parser<false | number | string[]> = (value, name) => {
  const raw = value.trim();
  if (raw === '' || ['false', 'no', 'off', '0'].includes(raw.toLowerCase())) return false;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const list = entries(raw);
  for (const a of list) {
    const [addr, bits] = a.split('/');
    const ok = (isIPv4(addr) && IPV4_CIDR.test(a)) || (isIPv6(addr) && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= 128)));
    if (!ok) throw new ConfigError(name, `expected false, a hop count or addresses/CIDR ranges, got "${a}"`);
  }
  return list;
};

/** Absolute directories, resolved; never the root (overlap with DATA_DIR is checked by loadConfig). */
export const directories: Parser<readonly string[]> = (raw, name) => {
  if (raw.trim() === '') return [];
  return raw.split(',').map((d) => {
    const dir = d.trim();
    if (!isAbsolute(dir)) throw new ConfigError(name, `expected absolute directories, got "${dir}"`);
    const r = resolve(dir);
    if (r === '/' || r === resolve('/')) throw new ConfigError(name, 'the root directory cannot be allowed whole');
    return r;
  });
};

/** `127.0.0.1:8080`, `[::1]:8080`: one IP literal and one port each, nothing broader. */
export const endpoints: Parser<readonly string[]> = (raw, name) => {
  if (raw.trim() === '') return [];
  return raw.split(',').map((e) => {
    const entry = e.trim();
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(entry);
    const addr = m ? (m[1] ?? m[2]) : '';
    const port = m ? Number(m[3]) : 0;
    if (!m || !(isIPv4(addr) || isIPv6(addr)) || port < 1 || port > 65535 || addr === '0.0.0.0' || /^[:0]+$/.test(addr)) {
      throw new ConfigError(name, `expected IP:port entries such as 127.0.0.1:8080 or [::1]:8080 (no ranges, no wildcards), got "${entry}"`);
    }
    return isIPv6(addr) ? `[${addr.toLowerCase()}]:${port}` : `${addr}:${port}`;
  });
};

export const mimeTypes: Parser<readonly string[]> = (raw, name) => {
  const list = entries(raw.toLowerCase());
  for (const t of list) if (!/^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(t)) throw new ConfigError(name, `not a MIME type: "${t}"`);
  return list;
};

export const origins: Parser<readonly string[]> = (value, name) => {
  const v = value.trim();
  if (v === '*') return ['*'];
  return entries(v).map((raw) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new ConfigError(name, `not an origin: "${raw}" (expected e.g. https://app.example.com, or * alone)`);
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.origin !== raw.replace(/\/+$/, '')) {
      throw new ConfigError(name, `not an origin: "${raw}" (scheme, host and port only, e.g. https://app.example.com)`);
    }
    return u.origin;
  });
};

/** A value of the characters and length `pattern` allows, described by `expected`. */
export const matching =
  (pattern: RegExp, expected: string): Parser<string> =>
  (raw, name) => {
    if (!pattern.test(raw)) throw new ConfigError(name, expected);
    return raw;
  };

/** argon2id's cost as `m=KiB,t=passes,p=lanes` (any order, each once), at least OWASP's floor. */
export const passwordCost: Parser<PasswordCost> = (raw, name) => {
  const parts = new Map<string, number>();
  for (const part of raw.split(',')) {
    const m = /^\s*([mtp])\s*=\s*(\d{1,9})\s*$/.exec(part);
    if (!m || parts.has(m[1])) throw new ConfigError(name, `must be m=KiB,t=passes,p=lanes (e.g. m=65536,t=3,p=4), got "${raw}"`);
    parts.set(m[1], Number(m[2]));
  }
  const cost = { m: parts.get('m'), t: parts.get('t'), p: parts.get('p') };
  if (cost.m === undefined || cost.t === undefined || cost.p === undefined) throw new ConfigError(name, `must name m, t and p (e.g. m=65536,t=3,p=4), got "${raw}"`);
  const c = cost as PasswordCost;
  if (!atLeastFloor(c) || c.p > 255 || c.m > 4 * 1024 * 1024) {
    throw new ConfigError(name, `must be at least m=${HASH_FLOOR.m},t=${HASH_FLOOR.t},p=${HASH_FLOOR.p} (OWASP's floor) and at most m=4194304 (4 GiB), p=255; got "${raw}"`);
  }
  return c;
};
