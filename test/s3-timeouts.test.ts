import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPasswordHash } from './helpers/password.js';
import { kuraCommand } from './helpers/cli.js';
import { run } from './helpers/process.js';

/**
 * An S3 endpoint that accepts connections and never answers: commands that need the blob
 * store fail with a message naming the endpoint instead of hanging; those that need only
 * metadata (users, tokens, spaces) do not touch it at all.
 */
describe('an S3 endpoint that never answers', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    dir = await mkdtemp(join(tmpdir(), 'kura-s3-silent-'));
    env = {
      DATA_DIR: dir,
      BLOB_STORE: 's3',
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_BUCKET: 'never',
      S3_ACCESS_KEY_ID: 'x',
      S3_SECRET_ACCESS_KEY: 'y',
      S3_FORCE_PATH_STYLE: 'true',
      S3_CONNECT_TIMEOUT_SECONDS: '1',
      S3_REQUEST_TIMEOUT_SECONDS: '1',
    };
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('user, token and space commands work without it', async () => {
    const add = await kuraCommand(['user', 'add', 'meta', '--password-hash', await testPasswordHash(), '--init', '--json'], env);
    expect(add.code, add.stderr).toBe(0);
    const token = await kuraCommand(['token', 'create', 'meta'], env);
    expect(token.code, token.stderr).toBe(0);
    expect((await kuraCommand(['user', 'list', '--json'], env)).code).toBe(0);
  });

  it('gc and serve stop with an error naming the endpoint', async () => {
    // Both wait out the same timeouts: side by side, not one after the other.
    const commands = [['gc'], ['serve']];
    const results = await Promise.all(commands.map((args) => run(args, { ...env, PORT: '0' })));
    results.forEach((r, i) => {
      expect(r.code, commands[i].join(' ')).not.toBe(0);
      expect(r.stderr + r.stdout).toContain(`the S3 endpoint ${env.S3_ENDPOINT} did not answer in time`);
    });
  });
});
