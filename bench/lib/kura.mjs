// Kura under test: started in its production configuration on the server core, driven
// through its CLI (user, token) and native HTTP API (spaces, upload, content).
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { curlUpload, freePort, requestJson, waitReady } from './http.mjs';
import { BenchError, SERVER_CORE, affinityOf, exeOf, run, startDaemon } from './proc.mjs';

export const USER = 'bench';
export const PASSWORD = 'bench-password-1';

/** Configuration variables Kura reads; never inherited from the caller's shell. */
const KURA_VARS = /^(PORT|HOST|DATA_DIR|DATABASE_URL|BLOB_STORE|S3_.*|PUBLIC_URL|UPLOAD_MAX_BYTES|LOG_LEVEL|NODE_ENV|KURA_.*)$/;

function kuraEnv(dataDir, port, extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !KURA_VARS.test(k)));
  return { ...env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production', ...extra };
}

/**
 * Start `taskset -c 0 node bin/kura.js serve` (taskset execs node, so the child's pid is the
 * node process itself: checked via /proc/<pid>/exe), wait for /healthz, create the bench user
 * and a token, and find the personal space's root folder. `env` adds configuration (a
 * database, a blob store) on top of the production defaults.
 */
export async function startKura({ repo, dataDir, env: extra }) {
  const port = await freePort();
  const env = kuraEnv(dataDir, port, extra);
  const bin = path.join(repo, 'bin', 'kura.js');
  const daemon = startDaemon('Kura', process.execPath, [bin, 'serve'], { core: SERVER_CORE, cwd: repo, env });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/healthz`, daemon);

  const pid = daemon.pid;
  const exe = exeOf(pid);
  const node = realpathSync(process.execPath);
  if (exe !== node) throw new BenchError(`Kura pid ${pid} runs ${exe}, expected ${node}: RSS would be measured on the wrong process`);
  const cpus = affinityOf(pid);
  if (cpus !== String(SERVER_CORE)) throw new BenchError(`Kura pid ${pid} runs on CPUs ${cpus}, expected ${SERVER_CORE}`);
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  if (!cmdline.includes('serve')) throw new BenchError(`Kura pid ${pid} is "${cmdline.join(' ')}", not the server`);

  const cli = (...args) => run(process.execPath, [bin, ...args], { cwd: repo, env });
  const created = await cli('user', 'add', USER, '--password', PASSWORD, '--admin', '--json');
  try {
    JSON.parse(created.stdout);
  } catch {
    throw new BenchError(`kura user add --json printed no JSON: ${created.stdout.slice(0, 300)}`);
  }
  const token = await createToken(cli, url);
  const auth = { Authorization: `Bearer ${token}` };
  const { spaces } = await requestJson(`${url}/api/v1/spaces`, { headers: auth });
  const personal = (spaces ?? []).find((s) => s.kind === 'personal');
  if (!personal?.rootId) throw new BenchError(`GET /api/v1/spaces: no personal space with a rootId in ${JSON.stringify(spaces).slice(0, 300)}`);

  return { daemon, pid, url, port, token, auth, rootId: personal.rootId, spaceId: personal.id, env, cli };
}

async function createToken(cli, url) {
  const r = await cli('token', 'create', USER, '--label', 'bench');
  const token = r.stdout.trim();
  if (token && !/\s/.test(token)) return token;
  // Fall back on the login endpoint if the CLI printed anything but a bare token.
  const login = await requestJson(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: USER, password: PASSWORD }),
  });
  if (typeof login.token !== 'string') throw new BenchError('POST /api/v1/auth/login returned no token');
  return login.token;
}

export const contentUrl = (kura, id) => `${kura.url}/api/v1/items/${id}/content`;

/**
 * Upload `file` into the root folder with curl (multipart, field `file`) on the client core.
 * Checks 201 and that Kura reports the expected size and SHA-256. Returns { item, seconds }.
 * `isPublic`: the file is readable by id without a token (native uploads are private otherwise).
 */
export async function upload(kura, file, { size, sha256, responseFile, isPublic = false }) {
  const t = await curlUpload(`${kura.url}/api/v1/items/${kura.rootId}/children${isPublic ? '?public=true' : ''}`, file, kura.auth, responseFile);
  const body = readFileSync(responseFile, 'utf8');
  if (t.status !== 201) throw new BenchError(`upload of ${path.basename(file)}: HTTP ${t.status} (expected 201) ${body.slice(0, 300)}`);
  let item;
  try {
    item = JSON.parse(body).items?.[0];
  } catch {
    /* checked below */
  }
  if (!item?.id) throw new BenchError(`upload of ${path.basename(file)}: no items[0].id in ${body.slice(0, 300)}`);
  if (item.size !== size) throw new BenchError(`upload of ${path.basename(file)}: Kura stored ${item.size} bytes, sent ${size}`);
  if (item.sha256 && item.sha256 !== sha256) throw new BenchError(`upload of ${path.basename(file)}: Kura's sha256 ${item.sha256} ≠ ${sha256}`);
  return { item, seconds: t.seconds, uploaded: t.uploaded };
}

/** Kura's version string from package.json, for the report header. */
export function kuraVersion(repo) {
  try {
    return JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}
