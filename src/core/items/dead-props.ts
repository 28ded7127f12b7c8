import { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import { guardWrite, type Guarded } from '../guard/guard.js';
import type { DeadPropRow, MetadataStore } from '../ports/index.js';
import { has, Right } from '../rights.js';
import { runClaimingTx } from '../storage/refs.js';

/** Most bytes of one property's value (400 past it). */
export const DEAD_PROP_MAX_VALUE = 64 * 1024;
/** Most bytes all properties of one item hold, names included (quota_exceeded past it). */
export const DEAD_PROPS_MAX_PER_ITEM = 1024 * 1024;
/** Most changes in one patch. */
export const DEAD_PROPS_MAX_CHANGES = 10_000;

/** A property a client stored on an item: namespace URI ('' for none), local name, value as XML. */
export interface DeadProp {
  ns: string;
  name: string;
  xml: string;
}

/** One change of a patch: set a property's value, or remove it (removing one that is not there is no error). */
export type DeadPropChange = ({ op: 'set' } & DeadProp) | { op: 'remove'; ns: string; name: string };

const key = (p: { ns: string; name: string }) => `${p.ns}\u0000${p.name}`;
const bytes = (p: DeadProp) => Buffer.byteLength(p.ns) + Buffer.byteLength(p.name) + Buffer.byteLength(p.xml);
const toProp = (r: DeadPropRow): DeadProp => ({ ns: r.ns, name: r.name, xml: r.xml });

/**
 * Properties clients keep on items (WebDAV's dead properties): read with READ_ATTRS, changed
 * with EDIT_EXTENDED through the write guard (locks, conditions, read-only callers), all
 * changes of a patch or none. Moves keep them (same item); copies copy them.
 */
export class DeadPropService {
  constructor(
    private readonly store: MetadataStore,
    private readonly access: Access,
    private readonly now: () => number,
  ) {}

  /** The properties of an item the caller may see. */
  async of(actor: Actor, id: number): Promise<DeadProp[]> {
    await this.access.item(actor, id, Right.READ_ATTRS);
    return (await this.store.deadProps.ofItems([id])).map(toProp);
  }

  /** The properties of each child of a folder the caller may list, for the children it may see (by id). */
  async ofChildren(actor: Actor, folderId: number): Promise<Map<number, DeadProp[]>> {
    const folder = await this.access.folder(actor, folderId, Right.LIST);
    const rows = await this.store.deadProps.ofChildren(folderId);
    const out = new Map<number, DeadProp[]>();
    if (rows.length === 0) return out;
    const ids = [...new Set(rows.map((r) => Number(r.item_id)))];
    const rights = await this.access.subtreeRights(actor, folder, ids.map((id) => ({ id, parent_id: folderId })));
    const seen = (id: number) => has('uniform' in rights ? rights.uniform : (rights.byId.get(id) ?? 0), Right.READ_ATTRS);
    for (const r of rows) {
      const id = Number(r.item_id);
      if (!seen(id)) continue;
      const list = out.get(id) ?? [];
      list.push(toProp(r));
      out.set(id, list);
    }
    return out;
  }

  /**
   * Applies every change, in order, or none: bad_request for a value past
   * DEAD_PROP_MAX_VALUE or a name that cannot be one, quota_exceeded when the item's
   * properties would hold more than DEAD_PROPS_MAX_PER_ITEM.
   */
  async patch(actor: Actor, id: number, changes: readonly DeadPropChange[], opts: Guarded = {}): Promise<void> {
    if (changes.length === 0) throw badRequest('nothing to change');
    if (changes.length > DEAD_PROPS_MAX_CHANGES) throw badRequest(`at most ${DEAD_PROPS_MAX_CHANGES} properties change at once`);
    for (const c of changes) {
      if (c.name === '' || c.name.length > 255 || c.ns.length > 1024) throw badRequest('a property name is 1–255 characters, its namespace at most 1024', { property: c.name.slice(0, 255) });
      if (c.op === 'set' && Buffer.byteLength(c.xml) > DEAD_PROP_MAX_VALUE) {
        throw new KuraError('payload_too_large', `a property value holds at most ${DEAD_PROP_MAX_VALUE} bytes`, { property: c.name, limit: DEAD_PROP_MAX_VALUE });
      }
    }
    await runClaimingTx(this.store, async (tx) => {
      const { item, rights } = await new Access(tx, this.now).item(actor, id, Right.READ_ATTRS);
      if (!has(rights, Right.EDIT_EXTENDED)) throw new KuraError('forbidden', 'you may not change the properties of this item');
      await guardWrite(tx, actor, this.now(), { subject: item, touches: [{ id, spaceId: Number(item.space_id) }], conditions: opts.conditions });
      const props = new Map((await tx.deadProps.ofItems([id])).map((r) => [key(r), toProp(r)]));
      const set = new Map<string, DeadProp>();
      const remove = new Map<string, { ns: string; name: string }>();
      for (const c of changes) {
        const k = key(c);
        if (c.op === 'set') {
          const p = { ns: c.ns, name: c.name, xml: c.xml };
          props.set(k, p);
          set.set(k, p);
          remove.delete(k);
        } else {
          props.delete(k);
          set.delete(k);
          remove.set(k, { ns: c.ns, name: c.name });
        }
      }
      const total = [...props.values()].reduce((n, p) => n + bytes(p), 0);
      if (total > DEAD_PROPS_MAX_PER_ITEM) throw new KuraError('quota_exceeded', `the properties of one item hold at most ${DEAD_PROPS_MAX_PER_ITEM} bytes`, { limit: DEAD_PROPS_MAX_PER_ITEM });
      await tx.deadProps.apply(id, [...set.values()], [...remove.values()]);
    });
  }
}
