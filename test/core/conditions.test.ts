import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemEtag } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { startCore, type CoreUnderTest } from '../helpers/core.js';

const body = (s: string) => Readable.from([Buffer.from(s)]);

/** Conditional writes on the core: an expected ETag or version that does not hold changes nothing. */
describe.each(backends)('write conditions on the core (%s)', (backend) => {
  let k: CoreUnderTest;
  beforeAll(async () => {
    k = await startCore(backend);
  });
  afterAll(() => k.close());

  it("a file's ETag is its content hash: a new version with a stale one is refused and nothing is stored", async () => {
    const u = await k.user();
    const f = await k.file(u, 'doc.txt', 'one');
    expect(itemEtag(f)).toBe(f.sha256);
    const v2 = await k.core.uploads.uploadVersion(u.actor, f.id, body('two'), { conditions: { ifMatch: [f.sha256!] } });
    expect(v2.version).toBe(2);
    const before = (await k.core.spaces.get(u.actor, u.spaceId)).usage;
    await expect(k.core.uploads.uploadVersion(u.actor, f.id, body('three'), { conditions: { ifMatch: [f.sha256!] } })).rejects.toMatchObject({
      code: 'precondition_failed',
      details: { etag: v2.sha256, version: 2 },
    });
    await expect(k.core.uploads.uploadVersion(u.actor, f.id, body('three'), { conditions: { version: 1 } })).rejects.toMatchObject({ code: 'precondition_failed' });
    await expect(k.core.uploads.uploadVersion(u.actor, f.id, body('three'), { conditions: { ifNoneMatch: '*' } })).rejects.toMatchObject({ code: 'precondition_failed' });
    await expect(k.core.uploads.uploadVersion(u.actor, f.id, body('three'), { conditions: { ifNoneMatch: [v2.sha256!] } })).rejects.toMatchObject({ code: 'precondition_failed' });
    expect((await k.core.items.get(u.actor, f.id)).version).toBe(2);
    expect((await k.core.spaces.get(u.actor, u.spaceId)).usage).toEqual(before);
    expect((await k.core.uploads.uploadVersion(u.actor, f.id, body('three'), { conditions: { version: 2, ifMatch: ['other', v2.sha256!] } })).version).toBe(3);
    // A weak tag never matches an If-Match (strong comparison).
    await expect(k.core.changes.update(u.actor, f.id, { description: 'x' }, { conditions: { ifMatch: [`W/${(await k.core.items.get(u.actor, f.id)).sha256}`] } })).rejects.toMatchObject({ code: 'precondition_failed' });
  });

  it("a folder's ETag changes when the folder itself changes; rename, move and delete judge it", async () => {
    const u = await k.user();
    const dir = await k.core.changes.createFolder(u.actor, u.rootId, 'dir');
    const tag = itemEtag(dir);
    expect(tag).toMatch(/^dir-[0-9a-f]{32}$/);
    // A child changes what the folder holds, not the folder.
    await k.file(u, 'child.txt', 'c', dir.id);
    expect(itemEtag(await k.core.items.get(u.actor, dir.id))).toBe(tag);
    const described = await k.core.changes.update(u.actor, dir.id, { description: 'new' }, { conditions: { ifMatch: [tag] } });
    expect(itemEtag(described)).not.toBe(tag);
    await expect(k.core.changes.update(u.actor, dir.id, { name: 'renamed' }, { conditions: { ifMatch: [tag] } })).rejects.toMatchObject({ code: 'precondition_failed', details: { etag: itemEtag(described) } });
    const dest = await k.core.changes.createFolder(u.actor, u.rootId, 'dest');
    await expect(k.core.changes.move(u.actor, dir.id, dest.id, { conditions: { ifMatch: [tag] } })).rejects.toMatchObject({ code: 'precondition_failed' });
    await expect(k.core.changes.trash(u.actor, dir.id, { conditions: { ifMatch: [tag] } })).rejects.toMatchObject({ code: 'precondition_failed' });
    await expect(k.core.changes.destroy(u.actor, dir.id, { conditions: { ifMatch: [tag] } })).rejects.toMatchObject({ code: 'precondition_failed' });
    await expect(k.core.changes.update(u.actor, dir.id, { name: 'renamed' }, { conditions: { version: 1 } })).rejects.toMatchObject({ code: 'bad_request' });
    expect((await k.core.items.get(u.actor, dir.id)).name).toBe('dir');
    expect((await k.core.changes.move(u.actor, dir.id, dest.id, { conditions: { ifMatch: '*' } })).parentId).toBe(dest.id);
    const now = await k.core.items.get(u.actor, dir.id);
    await k.core.changes.trash(u.actor, dir.id, { conditions: { ifMatch: [itemEtag(now)] } });
    expect((await k.core.trash.list(u.actor, u.spaceId)).map((i) => i.id)).toEqual([dir.id]);
  });

  it('If-None-Match: * writes only to a free name, whatever the clash policy; If-Match needs the file of that name', async () => {
    const u = await k.user();
    const f = await k.file(u, 'taken.txt', 'one');
    const before = (await k.core.spaces.get(u.actor, u.spaceId)).usage;
    await expect(k.core.uploads.upload(u.actor, u.rootId, { name: 'taken.txt', stream: body('x') }, { onConflict: 'rename', conditions: { ifNoneMatch: '*' } })).rejects.toMatchObject({
      code: 'precondition_failed',
      details: { etag: f.sha256 },
    });
    await expect(k.core.changes.createFolder(u.actor, u.rootId, 'taken.txt', { conditions: { ifNoneMatch: '*' } })).rejects.toMatchObject({ code: 'precondition_failed' });
    await expect(k.core.uploads.upload(u.actor, u.rootId, { name: 'free.txt', stream: body('x') }, { onConflict: 'version', conditions: { ifMatch: '*' } })).rejects.toMatchObject({
      code: 'precondition_failed',
      details: { exists: false },
    });
    expect((await k.core.spaces.get(u.actor, u.spaceId)).usage).toEqual(before);
    expect((await k.core.items.children(u.actor, u.rootId)).items.map((i) => i.name)).toEqual(['taken.txt']);
    const made = await k.core.uploads.upload(u.actor, u.rootId, { name: 'free.txt', stream: body('x') }, { conditions: { ifNoneMatch: '*' } });
    expect(made.name).toBe('free.txt');
    // The WebDAV PUT: a new version of the file at that name, only while it is the one the caller saw.
    const put = await k.core.uploads.upload(u.actor, u.rootId, { name: 'taken.txt', stream: body('two') }, { onConflict: 'version', conditions: { ifMatch: [f.sha256!] } });
    expect(put).toMatchObject({ id: f.id, version: 2 });
    await expect(k.core.uploads.upload(u.actor, u.rootId, { name: 'taken.txt', stream: body('three') }, { onConflict: 'version', conditions: { ifMatch: [f.sha256!] } })).rejects.toMatchObject({ code: 'precondition_failed' });
  });

  it('a copy judges the item copied; a restore the item restored', async () => {
    const u = await k.user();
    const f = await k.file(u, 'src.txt', 'one');
    const dest = await k.core.changes.createFolder(u.actor, u.rootId, 'dest');
    await expect(k.core.changes.copy(u.actor, f.id, dest.id, { conditions: { ifMatch: ['stale'] } })).rejects.toMatchObject({ code: 'precondition_failed' });
    expect((await k.core.changes.copy(u.actor, f.id, dest.id, { conditions: { ifMatch: [f.sha256!] } })).name).toBe('src.txt');
    await k.core.changes.trash(u.actor, f.id);
    await expect(k.core.trash.restore(u.actor, f.id, { conditions: { ifMatch: ['stale'] } })).rejects.toMatchObject({ code: 'precondition_failed' });
    expect((await k.core.trash.restore(u.actor, f.id, { conditions: { ifMatch: [f.sha256!] } })).trashedAt).toBeNull();
  });

  it('a resumable upload keeps its conditions and judges them again when it completes', async () => {
    const u = await k.user();
    const f = await k.file(u, 'big.bin', 'aaaa');
    const spec = { key: 'cond-1', target: { itemId: f.id }, length: 4, conditions: { ifMatch: [f.sha256!] } };
    await expect(k.core.resumable.open(u.actor, { ...spec, key: 'cond-0', conditions: { ifMatch: ['stale'] } })).rejects.toMatchObject({ code: 'precondition_failed' });
    await k.core.resumable.open(u.actor, spec);
    await k.core.resumable.slice(u.actor, spec, 0, body('bb'));
    // Someone else writes the file meanwhile.
    await k.core.uploads.uploadVersion(u.actor, f.id, body('cccc'));
    await expect(k.core.resumable.slice(u.actor, spec, 2, body('bb'))).rejects.toMatchObject({ code: 'precondition_failed' });
    const now = await k.core.items.get(u.actor, f.id);
    expect(now.version).toBe(2);
    expect((await k.core.resumable.status(u.actor, 'cond-1')).state).toBe('open');
  });

  it('refuses malformed conditions and conditions an operation cannot judge', async () => {
    const u = await k.user();
    const f = await k.file(u, 'x.txt', 'x');
    const bad = [{ ifMatch: [] }, { ifMatch: [''] }, { ifMatch: 'abc' }, { version: 0 }, { version: 1.5 }, { lockTokens: [''] }, { lockTokens: 'x' }] as unknown[];
    for (const conditions of bad) {
      await expect(k.core.changes.update(u.actor, f.id, { description: 'x' }, { conditions: conditions as never }), JSON.stringify(conditions)).rejects.toMatchObject({ code: 'bad_request' });
    }
    await expect(k.core.changes.createTree(u.actor, u.rootId, { Name: 't' }, { conditions: { ifMatch: '*' } })).rejects.toMatchObject({ code: 'bad_request' });
    expect((await k.core.items.get(u.actor, f.id)).description).toBe('');
  });
});
