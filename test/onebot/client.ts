import { expect } from 'vitest';
import { json } from '../helpers/http.js';
import type { TestKura, TestUser } from '../helpers/kura.js';

/** A OneBot answer as the tests read it. */
export interface Answer<T = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  status: string;
  retcode: number;
  data: T;
  message: string;
  wording: string;
  echo: unknown;
}

export type Params = Record<string, unknown>;

/** Calls one action over real HTTP: POST JSON with a Bearer header (default), GET with a query, or POST form. */
export async function call<T = any>(k: TestKura, u: TestUser | null, name: string, params: Params = {}, how: 'json' | 'get' | 'form' = 'json'): Promise<{ http: number; body: Answer<T> }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const auth: Record<string, string> = u ? { authorization: `Bearer ${u.token}` } : {};
  let res: Response;
  if (how === 'get') {
    const q = new URLSearchParams(Object.entries(params).map(([a, b]) => [a, String(b)]));
    res = await fetch(`${k.url}/onebot/${name}?${q}`, { headers: auth });
  } else if (how === 'form') {
    const f = new URLSearchParams(Object.entries(params).map(([a, b]) => [a, String(b)]));
    res = await fetch(`${k.url}/onebot/${name}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: f });
  } else {
    res = await fetch(`${k.url}/onebot/${name}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(params) });
  }
  return { http: res.status, body: await json<Answer<T>>(res) };
}

/** The action's data; fails the test with the answer's message when it did not succeed. */
export async function ok<T = any>(k: TestKura, u: TestUser | null, name: string, params: Params = {}, how: 'json' | 'get' | 'form' = 'json'): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await call<T>(k, u, name, params, how);
  if (r.http !== 200 || r.body.status !== 'ok' || r.body.retcode !== 0) throw new Error(`${name} failed: HTTP ${r.http} ${JSON.stringify(r.body)}`);
  return r.body.data;
}

/** The retcode of a call that must fail on HTTP 200. */
export async function fails(k: TestKura, u: TestUser | null, name: string, params: Params = {}, how: 'json' | 'get' | 'form' = 'json'): Promise<{ retcode: number; message: string }> {
  const r = await call(k, u, name, params, how);
  if (r.http !== 200 || r.body.status !== 'failed') throw new Error(`${name} should have failed: HTTP ${r.http} ${JSON.stringify(r.body)}`);
  expect(r.body.data).toBeNull();
  return { retcode: r.body.retcode, message: r.body.message };
}

/** A signed link of this server, fetched on the test server's real address. */
export const onServer = (k: TestKura, url: string) => {
  const u = new URL(url);
  return `${k.url}${u.pathname}${u.search}`;
};

export const b64 = (b: Buffer | string) => `base64://${Buffer.from(b).toString('base64')}`;
