import type { FastifyRequest } from 'fastify';
import type { KuraConfig } from '../../../config.js';
import { badRequest, CHECKSUM_ALGORITHMS, type Checksum, type ChecksumAlgorithm, KuraError, type OnConflict } from '../../../core/index.js';
import { bool } from '../../shared/params.js';

/** The tus version Kura speaks, and the extensions it serves (docs/tus.md). */
export const TUS_VERSION = '1.0.0';
export const TUS_EXTENSIONS = ['creation', 'creation-with-upload', 'creation-defer-length', 'termination', 'checksum', 'expiration', 'concatenation'];
export const OFFSET_TYPE = 'application/offset+octet-stream';
/** Where the dialect is mounted; upload URLs are this plus the upload's key. */
export const TUS_PREFIX = '/api/v1/tus';

/** Headers a browser client must be able to read (CORS) and send (preflight). */
export const EXPOSED_HEADERS = [
  'Location',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Defer-Length',
  'Upload-Metadata',
  'Upload-Expires',
  'Upload-Concat',
  'Tus-Resumable',
  'Tus-Version',
  'Tus-Extension',
  'Tus-Max-Size',
  'Tus-Checksum-Algorithm',
  'Kura-Item-Id',
  'Kura-Item-Url',
].join(', ');
export const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Tus-Resumable',
  'Upload-Length',
  'Upload-Defer-Length',
  'Upload-Metadata',
  'Upload-Offset',
  'Upload-Concat',
  'Upload-Checksum',
  'Lock-Token',
  'X-HTTP-Method-Override',
  'X-Requested-With',
].join(', ');

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/** A non-negative whole number header (Upload-Offset, Upload-Length); undefined when absent. */
export function sizeHeader(req: FastifyRequest, name: string): number | undefined {
  const v = header(req, name);
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,16}$/.test(v.trim())) throw badRequest(`${name} must be a whole number of bytes`, { header: name });
  return Number(v.trim());
}

/** Upload-Defer-Length: only `1` means anything. */
export function deferLength(req: FastifyRequest): boolean {
  const v = header(req, 'upload-defer-length');
  if (v === undefined) return false;
  if (v.trim() !== '1') throw badRequest('Upload-Defer-Length must be 1', { header: 'Upload-Defer-Length' });
  return true;
}

const META_KEY = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Upload-Metadata: comma-separated `key base64value` pairs (value optional), keys unique. */
export function parseMetadata(raw: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === undefined || raw.trim() === '') return out;
  if (raw.length > 4096) throw badRequest('Upload-Metadata exceeds 4096 characters', { header: 'Upload-Metadata' });
  for (const pair of raw.split(',')) {
    const [key, value, extra] = pair.trim().split(' ');
    if (!key || !META_KEY.test(key) || extra !== undefined || (value !== undefined && (!BASE64.test(value) || value.length % 4 !== 0))) {
      throw badRequest('Upload-Metadata must be comma-separated "key base64value" pairs', { header: 'Upload-Metadata' });
    }
    if (out.has(key)) throw badRequest(`Upload-Metadata names ${key} twice`, { header: 'Upload-Metadata' });
    const text = Buffer.from(value ?? '', 'base64').toString('utf8');
    if (text.includes('\uFFFD') || text.includes('\u0000')) throw badRequest(`Upload-Metadata ${key} is not UTF-8 text without NUL`, { header: 'Upload-Metadata' });
    out.set(key, text);
  }
  return out;
}

export const rawMetadata = (req: FastifyRequest): string | undefined => header(req, 'upload-metadata')?.trim() || undefined;

/** A positive decimal id from the metadata (parent, space). */
export function metaId(meta: Map<string, string>, key: string): number | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(v) || !Number.isSafeInteger(Number(v))) throw badRequest(`metadata ${key} must be a decimal id`, { field: key });
  return Number(v);
}

const CHOICES: readonly OnConflict[] = ['fail', 'rename', 'version'];

/** The onConflict metadata: what completion does on a name clash (default rename). */
export function onConflictOf(meta: Map<string, string>): OnConflict {
  const v = meta.get('onConflict') ?? 'rename';
  if (!(CHOICES as readonly string[]).includes(v)) throw badRequest('metadata onConflict must be fail, rename or version', { field: 'onConflict' });
  return v as OnConflict;
}

/** The public metadata (`true` or `false`, default false): the new file is readable by id without a credential. */
export const publicOf = (meta: Map<string, string>): boolean => bool(Object.fromEntries(meta), 'public', false);

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { sha1: 20, sha256: 32 };

/** Upload-Checksum: `<algorithm> <base64 digest>`; an algorithm Kura lacks is 400 (tus checksum extension). */
export function checksumOf(req: FastifyRequest): Checksum | undefined {
  const v = header(req, 'upload-checksum');
  if (v === undefined) return undefined;
  const [algorithm, digest, extra] = v.trim().split(' ');
  if (!(CHECKSUM_ALGORITHMS as readonly string[]).includes(algorithm)) throw badRequest(`Upload-Checksum algorithm must be one of ${CHECKSUM_ALGORITHMS.join(', ')}`, { header: 'Upload-Checksum' });
  const bytes = digest && extra === undefined && BASE64.test(digest) ? Buffer.from(digest, 'base64') : undefined;
  if (!bytes || bytes.length !== DIGEST_BYTES[algorithm as ChecksumAlgorithm]) throw badRequest('Upload-Checksum must be "<algorithm> <base64 digest>"', { header: 'Upload-Checksum' });
  return { algorithm: algorithm as ChecksumAlgorithm, digest: bytes };
}

export type Concat = { kind: 'partial' } | { kind: 'final'; parts: string[] } | undefined;

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.{}()-]{0,99}$/;

/**
 * Upload-Concat: `partial`, or `final;<url> <url> …` whose URLs name uploads of this
 * endpoint (under PUBLIC_URL's path, when it has one, as Location gives them).
 */
export function concatOf(req: FastifyRequest, config: KuraConfig): Concat {
  const under = config.publicUrlSet ? new URL(config.publicUrl).pathname.replace(/\/+$/, '') : '';
  const v = header(req, 'upload-concat')?.trim();
  if (v === undefined) return undefined;
  if (v === 'partial') return { kind: 'partial' };
  if (!v.startsWith('final;')) throw badRequest('Upload-Concat must be "partial" or "final;<url> <url> …"', { header: 'Upload-Concat' });
  if (v.length > 64 * 1024) throw badRequest('Upload-Concat is too long', { header: 'Upload-Concat' });
  const parts = v
    .slice(6)
    .split(' ')
    .filter(Boolean)
    .map((u) => {
      let path: string;
      try {
        path = new URL(u, 'http://kura.invalid').pathname;
      } catch {
        throw badRequest(`Upload-Concat: "${u.slice(0, 200)}" is not a URL`, { header: 'Upload-Concat' });
      }
      const at = [`${under}${TUS_PREFIX}/`, `${TUS_PREFIX}/`].find((p) => path.startsWith(p));
      const key = at ? path.slice(at.length) : '';
      if (!KEY.test(key)) throw badRequest(`Upload-Concat: "${u.slice(0, 200)}" is not an upload of this server`, { header: 'Upload-Concat' });
      return key;
    });
  if (parts.length === 0) throw badRequest('Upload-Concat final names no upload', { header: 'Upload-Concat' });
  return { kind: 'final', parts };
}

/** Whether a request's body is tus bytes (the only type PATCH takes). */
export function isOffsetStream(req: FastifyRequest): boolean {
  const t = header(req, 'content-type');
  return t !== undefined && t.split(';')[0].trim().toLowerCase() === OFFSET_TYPE;
}

export const hasBody = (req: FastifyRequest): boolean => (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;

/**
 * The base of the URLs Kura answers (Location, Kura-Item-Url): PUBLIC_URL when it is set,
 * never the request's Host then (a forged Host would steer clients and their tokens);
 * without it, the scheme and host the client reached us at (behind trusted proxies, as they say).
 */
export const baseUrl = (req: FastifyRequest, config: KuraConfig): string => (config.publicUrlSet ? config.publicUrl : `${req.protocol}://${req.host}`);

export const unsupportedType = () => new KuraError('unsupported_type', `the body must be ${OFFSET_TYPE}`);
