// HTTP helpers: free ports, readiness polling, in-process requests (for latency rows),
// and curl transfers (for throughput rows, run on the client core).
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError, CLIENT_CORE, run } from './proc.mjs';

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * One request over a keep-alive connection. Resolves { status, headers, body: Buffer }.
 * opts: { method, headers, body (string|Buffer, or an array of them sent one after the
 * other: set content-length yourself), timeoutMs, discard (don't keep the body) }
 */
export function request(url, opts = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (d) => {
        if (!opts.discard) chunks.push(d);
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 30000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    if (Array.isArray(opts.body)) {
      opts.body.slice(0, -1).forEach((b) => req.write(b));
      req.end(opts.body.at(-1));
    } else req.end(opts.body);
  });
}

/** request() that expects JSON and one of `ok` statuses. */
export async function requestJson(url, opts = {}, ok = [200]) {
  const r = await request(url, opts);
  const text = r.body.toString('utf8');
  if (!ok.includes(r.status)) throw new BenchError(`${opts.method ?? 'GET'} ${url}: HTTP ${r.status} ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new BenchError(`${opts.method ?? 'GET'} ${url}: not JSON: ${text.slice(0, 300)}`);
  }
}

/** Poll `url` until it answers 200; fail early if the server process ends. */
export async function waitReady(url, daemon, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!daemon.running()) {
      const why = await daemon.exited;
      throw new BenchError(`${daemon.name} ${why} before it was ready\n${daemon.output()}`);
    }
    try {
      const r = await request(url, { timeoutMs: 2000, discard: true });
      if (r.status === 200) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await sleep(100);
  }
  throw new BenchError(`${daemon.name} not ready at ${url} after ${timeoutMs / 1000} s (${last})\n${daemon.output()}`);
}

const headerArgs = (headers = {}) => Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);

/** curl's -w fields we parse: status, bytes, seconds. */
const W = '%{http_code} %{size_download} %{size_upload} %{time_total}';
function parseW(stdout, what) {
  const m = /(\d{3}) (\d+) (\d+) ([\d.]+)\s*$/.exec(stdout.trim());
  if (!m) throw new BenchError(`${what}: cannot parse curl output "${stdout.trim().slice(-200)}"`);
  return { status: Number(m[1]), downloaded: Number(m[2]), uploaded: Number(m[3]), seconds: Number(m[4]) };
}

/** Download `url` to /dev/null with curl on the client core. */
export async function curlDownload(url, headers) {
  const r = await run('curl', ['-sS', '-o', '/dev/null', '-w', W, ...headerArgs(headers), url], { core: CLIENT_CORE });
  return parseW(r.stdout, `GET ${url}`);
}

/**
 * Multipart upload of `file` as field `file` with curl on the client core. Returns the curl
 * timing plus the parsed JSON response body (saved to `responseFile`).
 */
export async function curlUpload(url, file, headers, responseFile) {
  const r = await run('curl', ['-sS', '-o', responseFile, '-w', W, ...headerArgs(headers), '-F', `file=@${file}`, url], { core: CLIENT_CORE });
  return parseW(r.stdout, `POST ${url}`);
}

/** SHA-256 (hex) and length of what `url` serves, streamed through curl (not timed). */
export async function curlSha256(url, headers) {
  const hash = createHash('sha256');
  let bytes = 0;
  await run('curl', ['-sS', '-f', ...headerArgs(headers), url], {
    core: CLIENT_CORE,
    onStdout: (d) => {
      bytes += d.length;
      hash.update(d);
    },
  });
  return { sha256: hash.digest('hex'), bytes };
}
