import { FAULT_POINTS } from '../faults.js';
import { DEFAULT_PASSWORD_COST } from '../core/index.js';
import { directories, endpoints, flag, matching, mimeTypes, oneOf, origins, passwordCost, seconds, size, text, trustProxy, url, whole, type Parser } from './parsers.js';

/**
 * One setting, declared once (decisions/0043): how its value is read, its default, and what
 * the README's table says of it. `blank: 'unset'` counts a value of only spaces as unset.
 */
export interface Setting<T> {
  readonly parse: Parser<T>;
  readonly default: T;
  readonly blank?: 'unset';
  /** The default as the README shows it (markdown). */
  readonly shown: string;
  /** What it does, as the README says it (markdown). */
  readonly meaning: string;
}

const setting = <P, const D>(s: { parse: Parser<P>; default: D; blank?: 'unset'; shown: string; meaning: string }): Setting<P | D> => s;

/** The MIME types the 10Centuries spec lists as supported. */
export const TENCENTURIES_MIME_TYPES: readonly string[] = [
  'audio/mp3',
  'audio/mp4',
  'audio/m4a',
  'audio/x-mp3',
  'audio/x-mp4',
  'audio/mpeg',
  'audio/x-m4a',
  'image/gif',
  'image/x-gif',
  'image/jpg',
  'image/jpeg',
  'image/png',
  'image/tiff',
  'image/bmp',
  'image/x-windows-bmp',
  'video/quicktime',
  'video/m4a',
  'video/m4v',
  'video/mp4',
  'application/x-mpegurl',
  'video/mp2t',
];

/**
 * Every variable Kura reads, in the README's order: the one declaration of each. loadConfig
 * reads only these, the README's table is rendered from them (docs.ts), and the deployment
 * files (deploy/, Dockerfile, compose.yaml) may set only these (test/ops checks all three).
 * Durations take seconds or a unit (90s, 30m, 24h, 7d), sizes bytes or a binary unit.
 */
export const DECLARED = {
  PORT: setting({ parse: whole(0, 65535), default: 8080, shown: "`8080`",
    meaning: "TCP port" }),
  HOST: setting({ parse: text, default: '127.0.0.1', shown: "`127.0.0.1`",
    meaning: "listen address (`0.0.0.0` for all interfaces)" }),
  DATA_DIR: setting({ parse: text, default: './data', shown: "`./data`",
    meaning: "SQLite database, local blobs, staging files and unfinished sliced uploads" }),
  DATABASE_URL: setting({ parse: url('postgres:', 'postgresql:'), default: undefined, shown: "(SQLite in `DATA_DIR/kura.db`)",
    meaning: "`postgres://user@host:5432/db` for PostgreSQL" }),
  KURA_DB_CONNECT_TIMEOUT_SECONDS: setting({ parse: seconds(0, 3600), default: 60, shown: "`60`",
    meaning: "how long start-up keeps retrying a PostgreSQL that does not answer yet (backoff 0.25 s doubling to 5 s; each retry is a warning), then exits with `cannot connect to PostgreSQL at host:port/db: …`; `0` tries once" }),
  BLOB_STORE: setting({ parse: oneOf(['local', 's3'] as const, { trim: true }), default: 'local', shown: "`local`",
    meaning: "`local` or `s3`" }),
  S3_ENDPOINT: setting({ parse: url('http:', 'https:'), default: undefined, shown: "(AWS)",
    meaning: "S3-compatible endpoint URL (MinIO, Ceph, …)" }),
  S3_REGION: setting({ parse: text, default: 'us-east-1', shown: "`us-east-1`",
    meaning: "region" }),
  S3_BUCKET: setting({ parse: text, default: '', shown: "",
    meaning: "bucket (required with `BLOB_STORE=s3`; created if missing)" }),
  S3_ACCESS_KEY_ID: setting({ parse: text, default: undefined, shown: "(SDK default chain)",
    meaning: "access key; set both `S3_ACCESS_KEY_ID` and `S3_SECRET_ACCESS_KEY` or neither" }),
  S3_SECRET_ACCESS_KEY: setting({ parse: text, default: undefined, shown: "(SDK default chain)",
    meaning: "secret key; set both `S3_ACCESS_KEY_ID` and `S3_SECRET_ACCESS_KEY` or neither" }),
  S3_FORCE_PATH_STYLE: setting({ parse: flag, default: false, shown: "`false`",
    meaning: "path-style URLs (most self-hosted S3 servers need `true`)" }),
  S3_CONNECT_TIMEOUT_SECONDS: setting({ parse: seconds(1, 3600), default: 5, shown: "`5`",
    meaning: "longest wait for a connection to the S3 endpoint" }),
  S3_REQUEST_TIMEOUT_SECONDS: setting({ parse: seconds(1, 3600), default: 60, shown: "`60`",
    meaning: "longest silence on a connection to the S3 endpoint (not a cap on long transfers); past it the error names the endpoint" }),
  PUBLIC_URL: setting({ parse: url('http:', 'https:'), default: undefined, shown: "`http://HOST:PORT`",
    meaning: "base URL clients reach Kura at, used in generated links" }),
  UPLOAD_MAX_BYTES: setting({ parse: size, default: 10 * 1024 ** 3, shown: "`10GiB`",
    meaning: "largest single upload (`1048576`, `512MiB`, `10GiB` …); larger bodies get 413 while streaming" }),
  KURA_TENCENTURIES_MAX_FILE_BYTES: setting({ parse: size, default: 256 * 1024 ** 2, shown: "`256MiB`",
    meaning: "largest file of a 10Centuries `POST /files/upload` (each file of the request; a larger one is rejected while streaming, the others are stored)" }),
  KURA_TENCENTURIES_MIME_TYPES: setting({ parse: mimeTypes, default: TENCENTURIES_MIME_TYPES, blank: 'unset', shown: "the spec's list",
    meaning: "comma-separated MIME types a 10Centuries upload takes, judged from the content (aliases such as `image/jpg` and `image/jpeg` count as one; see docs/tencenturies.md)" }),
  KURA_OPEN_REGISTRATION: setting({ parse: flag, default: false, shown: "`false`",
    meaning: "allow `POST /api/v1/auth/register`" }),
  KURA_DEFAULT_QUOTA_BYTES: setting({ parse: size, default: null, shown: "(none: unlimited)",
    meaning: "byte quota of the personal space of every new account, however it is made (registration, `kura user add`); change one with `kura space quota`. Set it when registration is open" }),
  KURA_VERSION_CAP: setting({ parse: whole(0, 1_000_000), default: 0, shown: "`0`",
    meaning: "versions kept per file (0 = all)" }),
  KURA_GC_GRACE_SECONDS: setting({ parse: seconds(0, 365 * 86400), default: 3600, shown: "`3600`",
    meaning: "how long unreferenced content is kept before GC may delete it" }),
  KURA_GC_INTERVAL_SECONDS: setting({ parse: seconds(1, 7 * 86400), default: 600, shown: "`600`",
    meaning: "how often GC runs across all nodes together (one node at a time, under a lease in the database); expired resumable uploads are dropped every minute (or this often, if shorter)" }),
  KURA_JOB_LEASE_SECONDS: setting({ parse: seconds(3, 3600), default: 30, shown: "`30`",
    meaning: "how long a node's claim on shared work lasts without renewal: a periodic job's lease, and a resumable upload's assembly (a node that died mid-job or mid-assembly is taken over after this)" }),
  KURA_AUTH_CACHE_SECONDS: setting({ parse: seconds(0, 3600), default: 5, shown: "`5`",
    meaning: "how long one node caches a resolved token, or trusts an HTTP Basic password it verified without looking at the user again (revocation, password change or removal delay on other nodes)" }),
  KURA_PASSWORD_COST: setting({ parse: passwordCost, default: DEFAULT_PASSWORD_COST, shown: "`m=65536,t=3,p=4`",
    meaning: "argon2id cost of new password hashes: memory in KiB, passes, lanes. Lower it on a small machine (each sign-in that checks a password costs this much memory and time, one at a time); never below OWASP's floor `m=19456,t=2,p=1`. Existing hashes keep theirs; a sign-in with an unknown name costs the same as this" }),
  KURA_SESSION_SECONDS: setting({ parse: seconds(60, 365 * 86400), default: 7 * 86400, shown: "`604800` (7 days)",
    meaning: "how long a browser session (`POST /api/v1/session`, the cookie of the web app) lasts; signing out or revoking its `web` token ends it sooner" }),
  KURA_SHUTDOWN_GRACE_SECONDS: setting({ parse: seconds(0, 3600), default: 30, shown: "`30`",
    meaning: "on SIGTERM, how long in-flight requests may take to finish; past it, uploads still arriving are answered 503 with `Retry-After` (and logged), then Kura exits" }),
  KURA_TRUST_PROXY: setting({ parse: trustProxy, default: false, shown: "(off)",
    meaning: "proxies allowed to name the client in `X-Forwarded-For`: a hop count or addresses/CIDR ranges (`docs/security.md`); set it behind a load balancer" }),
  KURA_BODY_TIMEOUT_SECONDS: setting({ parse: seconds(1, 3600), default: 30, shown: "`30`",
    meaning: "window of the minimum body pace: a request body must bring `KURA_BODY_MIN_RATE` bytes per second over each window, else 408" }),
  KURA_BODY_MIN_RATE: setting({ parse: whole(0, 1024 ** 3), default: 1024, shown: "`1024`",
    meaning: "bytes per second a request body must average over each window (0 turns the check off)" }),
  KURA_UNPINNED_TTL: setting({ parse: seconds(1, 365 * 86400), default: 86400, shown: "`24h`",
    meaning: "how long a file that must be pinned to stay (social `POST /files`; a replaced or cleared avatar, cover or name-card photo) lives without a pin before GC deletes it for good: seconds or `90s`, `30m`, `24h`, `7d`" }),
  KURA_UPLOAD_SESSION_SECONDS: setting({ parse: seconds(1, 30 * 86400), default: 86400, shown: "`86400`",
    meaning: "how long a sliced (resumable) upload waits for its next slice before GC drops it and its quota reservation" }),
  KURA_UPLOAD_SESSIONS_PER_USER: setting({ parse: whole(1, 1_000_000), default: 200, shown: "`200`",
    meaning: "unfinished resumable uploads (tus, native `/uploads`, drive slices) one user may hold open at once; one more is refused at creation (507, tus 413) until one finishes, is cancelled or expires" }),
  KURA_UPLOAD_PENDING_BYTES_PER_USER: setting({ parse: size, default: undefined, shown: "4 × `UPLOAD_MAX_BYTES`",
    meaning: "bytes one user's unfinished resumable uploads may hold together (declared lengths; bytes received while a tus length is deferred); at least `UPLOAD_MAX_BYTES`" }),
  KURA_LOCK_MAX_SECONDS: setting({ parse: seconds(1, 7 * 86400), default: 3600, shown: "`3600`",
    meaning: "longest timeout of a lock on an item (`POST /api/v1/items/{id}/lock`, later WebDAV `LOCK`); longer and infinite requests get this; a lock not refreshed in time is ignored everywhere and GC deletes it" }),
  KURA_METRICS_TOKEN: setting({ parse: matching(/^[\x21-\x7e]{16,256}$/, 'expected 16 to 256 printable characters without spaces (e.g. openssl rand -hex 32)'), default: undefined, shown: "(none: open)",
    meaning: "token `/metrics` requires as `Authorization: Bearer <token>` (16–256 printable characters, e.g. `openssl rand -hex 32`); without it `/metrics` answers anyone who reaches it" }),
  KURA_METRICS_CACHE_SECONDS: setting({ parse: seconds(0, 3600), default: 30, shown: "`30`",
    meaning: "how long a node reuses the storage figures of `/metrics` (blobs, bytes, items, open uploads: read from the database, so every node reports the same) before measuring them again; 0 measures at every scrape" }),
  KURA_LOCAL_UPLOAD_DIRS: setting({ parse: directories, default: [], blank: 'unset', shown: "(none)",
    meaning: "comma-separated absolute directories below which uploads by local path (OneBot `file` as a path or `file://`) may read; real paths (symlinks followed) must stay below them, and they may not overlap `DATA_DIR` (Kura refuses to start). None: every local path is refused" }),
  KURA_URL_UPLOAD_MAX_BYTES: setting({ parse: size, default: 1024 ** 3, shown: "`1GiB`",
    meaning: "largest body an upload from a URL fetches (Content-Length and while streaming)" }),
  KURA_URL_UPLOAD_CONNECT_TIMEOUT_SECONDS: setting({ parse: seconds(1, 3600), default: 10, shown: "`10`",
    meaning: "per hop of an upload from a URL: longest wait for the response headers" }),
  KURA_URL_UPLOAD_TIMEOUT_SECONDS: setting({ parse: seconds(1, 86400), default: 300, shown: "`300`",
    meaning: "longest whole transfer of an upload from a URL" }),
  KURA_URL_UPLOAD_ALLOW: setting({ parse: endpoints, default: [], blank: 'unset', shown: "(none)",
    meaning: "exact `address:port` endpoints an upload from a URL may reach although they are not public (`127.0.0.1:8080,[::1]:9000`); for tests or a deliberate internal source; ranges and wildcards are refused" }),
  KURA_URL_UPLOAD_MAX_PER_USER: setting({ parse: whole(1, 10_000), default: 4, shown: "`4`",
    meaning: "uploads from URLs one user may have in flight at once, over all nodes (counted in the database); more are refused (OneBot `retcode` 1429) before anything is fetched" }),
  KURA_URL_UPLOAD_MAX_PER_NODE: setting({ parse: whole(1, 100_000), default: 32, shown: "`32`",
    meaning: "uploads from URLs one node fetches at once, all users together; more are refused (1429)" }),
  KURA_BASE64_UPLOAD_MAX_BYTES: setting({ parse: size, default: 16 * 1024 ** 2, shown: "`16MiB`",
    meaning: "largest decoded `base64://` upload (OneBot request bodies may be a third larger)" }),
  KURA_LINK_SECRET: setting({ parse: matching(/^[\s\S]{32,}$/, 'must be at least 32 characters'), default: undefined, shown: "(a random key kept in the database)",
    meaning: "key (≥ 32 characters) that signs download links (OneBot `get_group_file_url`); all nodes must agree, which the default does by itself" }),
  KURA_SIGNED_URL_SECONDS: setting({ parse: seconds(10, 30 * 86400), default: 3600, shown: "`3600`",
    meaning: "how long a signed download link stays valid" }),
  KURA_THUMBNAIL_RENDERS_PER_MINUTE: setting({ parse: whole(1, 1_000_000), default: 120, shown: "`120`",
    meaning: "new thumbnail renderings (a ladder step made from a source, `docs/security.md`) one client may cause per minute, counted in the database across all nodes (per user when signed in, else per address); past it a thumbnail not made yet answers 429 with `Retry-After`, thumbnails already made are always served" }),
  KURA_CORS_ORIGINS: setting({ parse: origins, default: [], blank: 'unset', shown: "(none)",
    meaning: "browser origins allowed to use the tus endpoint `/api/v1/tus/` from their pages (CORS, tus headers exposed): comma-separated origins such as `https://app.example.com`, or `*` for any (`docs/tus.md`)" }),
  KURA_DIRECT_IO: setting({ parse: oneOf(['auto', 'off'] as const, { trim: true, lower: true }), default: 'auto', shown: "`auto`",
    meaning: "`auto`: the local blob store writes uploads with O_DIRECT where the filesystem takes it (decisions/0021), else through the page cache; `off`: always through the page cache. The start-up log says which is in use and why" }),
  KURA_HEAP_TUNING: setting({ parse: oneOf(['auto', 'off'] as const, { trim: true, lower: true }), default: 'auto', shown: "`auto`",
    meaning: "`auto`: `kura serve` sets V8's `--heap-growing-percent=200` unless node was started with its own (decisions/0022); `off`: V8's defaults. The start-up log says which is in use" }),
  LOG_LEVEL: setting({ parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const), default: 'info', shown: "`info`",
    meaning: "pino level: `fatal` … `trace`, or `silent`" }),
  LOG_FORMAT: setting({ parse: oneOf(['auto', 'json', 'pretty'] as const, { trim: true, lower: true }), default: 'auto', shown: "`auto`",
    meaning: "`auto`: readable lines when stdout is a terminal, JSON lines (one object per line) otherwise; `json` or `pretty` to choose" }),
  KURA_CONFIG: setting({ parse: text, default: undefined, shown: "",
    meaning: "a JSON file with any of these keys (the environment wins over it)" }),
  NODE_ENV: setting({ parse: text, default: undefined, shown: "",
    meaning: "`production` in the Docker image and the systemd unit; `test` allows `KURA_TEST_FAULT`" }),
  KURA_TEST_FAULT: setting({ parse: oneOf(FAULT_POINTS), default: undefined, shown: "",
    meaning: "tests only (refused unless `NODE_ENV=test`): a fault point where the process kills itself, e.g. `upload:after-commit` (`src/faults.ts`)" }),
} as const;

export type SettingName = keyof typeof DECLARED;
export type SettingValue<K extends SettingName> = (typeof DECLARED)[K] extends Setting<infer T> ? T : never;

/** The names of every setting, in the README's order. */
export const SETTINGS = Object.keys(DECLARED) as readonly SettingName[];

export type Env = Record<string, string | undefined>;

/** The value of setting `name` in `env`: its default when unset (or empty), else parsed (a ConfigError names it when invalid). */
export function read<K extends SettingName>(env: Env, name: K): SettingValue<K> {
  const s = DECLARED[name] as Setting<SettingValue<K>>;
  const raw = env[name];
  if (raw === undefined || raw === '' || (s.blank === 'unset' && raw.trim() === '')) return s.default;
  return s.parse(raw, name);
}
