import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_PROP_MAX_VALUE, DEAD_PROPS_MAX_PER_ITEM, type DeadPropChange } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { startCore, type CoreUnderTest } from '../helpers/core.js';

const set = (name: string, xml: string, ns = 'urn:t'): DeadPropChange => ({ op: 'set', ns, name, xml });

/** Dead properties on the core: rights, all or nothing, limits, locks, copies. */
describe.each(backends)('dead properties on the core (%s)', (backend) => {
  let k: CoreUnderTest;
  beforeAll(async () => {
    k = await startCore(backend);
  });
  afterAll(() => k.close());

  it('patches in order, all or nothing; limits a value and an item', async () => {
    const u = await k.user();
    const f = await k.file(u, 'f.txt', 'f');
    await k.core.deadProps.patch(u.actor, f.id, [set('a', '1'), set('b', '2'), { op: 'remove', ns: 'urn:t', name: 'a' }, set('a', '3')]);
    const names = async () => (await k.core.deadProps.of(u.actor, f.id)).map((p) => `${p.name}=${p.xml}`).sort();
    expect(await names()).toEqual(['a=3', 'b=2']);
    await expect(k.core.deadProps.patch(u.actor, f.id, [set('c', '1'), set('big', 'x'.repeat(DEAD_PROP_MAX_VALUE + 1))])).rejects.toMatchObject({ code: 'payload_too_large', details: { property: 'big' } });
    const chunk = 'y'.repeat(DEAD_PROP_MAX_VALUE - 100);
    const fill = Array.from({ length: Math.ceil(DEAD_PROPS_MAX_PER_ITEM / chunk.length) + 1 }, (_, i) => set(`p${i}`, chunk));
    await expect(k.core.deadProps.patch(u.actor, f.id, fill)).rejects.toMatchObject({ code: 'quota_exceeded' });
    await expect(k.core.deadProps.patch(u.actor, f.id, [set('', 'x')])).rejects.toMatchObject({ code: 'bad_request' });
    await expect(k.core.deadProps.patch(u.actor, f.id, [])).rejects.toMatchObject({ code: 'bad_request' });
    expect(await names()).toEqual(['a=3', 'b=2']);
  });

  it('reads need READ_ATTRS, writes EDIT_EXTENDED; a lock and a read-only caller stop writes; copies copy them', async () => {
    const owner = await k.user();
    const viewer = await k.user();
    const stranger = await k.user();
    const space = await k.core.spaces.create(owner.actor, { kind: 'group', name: `dp-${backend}` });
    await k.core.spaces.setMember(owner.actor, space.id, viewer.id, 'viewer');
    const folder = await k.core.changes.createFolder(owner.actor, space.rootId, 'd');
    const file = await k.file(owner, 'x.txt', 'x', folder.id);
    await k.core.deadProps.patch(owner.actor, file.id, [set('k', 'v')]);
    expect(await k.core.deadProps.of(viewer.actor, file.id)).toEqual([{ ns: 'urn:t', name: 'k', xml: 'v' }]);
    expect((await k.core.deadProps.ofChildren(viewer.actor, folder.id)).get(file.id)).toHaveLength(1);
    await expect(k.core.deadProps.of(stranger.actor, file.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.deadProps.ofChildren(stranger.actor, folder.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.deadProps.patch(viewer.actor, file.id, [set('k', 'w')])).rejects.toMatchObject({ code: 'forbidden' });
    await expect(k.core.deadProps.patch({ ...owner.actor, readOnly: true }, file.id, [set('k', 'w')])).rejects.toMatchObject({ code: 'forbidden' });
    const lock = await k.core.locks.take(owner.actor, file.id, {});
    await expect(k.core.deadProps.patch(owner.actor, file.id, [set('k', 'w')])).rejects.toMatchObject({ code: 'locked' });
    await k.core.deadProps.patch(owner.actor, file.id, [set('k', 'w')], { conditions: { lockTokens: [lock.token] } });
    await k.core.locks.release(owner.actor, file.id, lock.token);
    const copy = await k.core.changes.copy(owner.actor, folder.id, space.rootId, { name: 'd2' });
    const copied = await k.core.items.childByName(owner.actor, copy.id, 'x.txt');
    expect(await k.core.deadProps.of(owner.actor, copied.id)).toEqual([{ ns: 'urn:t', name: 'k', xml: 'w' }]);
  });
});
