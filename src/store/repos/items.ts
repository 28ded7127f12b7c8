import { SqliteAdapter, sql } from 'kysely';
import type { Category, ExpiredItem, ItemRepo, ItemRow, ListedRow, MemberRole, NewFolder, SubtreeRow, SubtreeUsage, VersionRepo, VersionRow } from '../../core/index.js';
import type { Db } from '../schema.js';
import { filterSql } from './filter-sql.js';
import { unexpiredIn, visible } from './visible.js';

const SUBTREE_COLUMNS: readonly (keyof SubtreeRow)[] = [
  'id', 'space_id', 'parent_id', 'name', 'kind', 'system', 'description', 'custom_tag', 'properties', 'created_by', 'created_at',
  'modified_by', 'modified_at', 'size', 'mime', 'version', 'blob_hash', 'download_count', 'public_read', 'expires_at', 'trashed_at',
];

const SORT_COLUMN = { name: 'name', size: 'size', created: 'created_at', modified: 'modified_at', mime: 'mime', hash: 'blob_hash', createdBy: 'created_by' } as const;

/**
 * The subtype of `mime` in SQL both databases share: what follows the last character that
 * cannot be in a sniffed subtype (the slash).
 */
const SUBTYPE = sql`substr(mime, length(rtrim(mime, 'abcdefghijklmnopqrstuvwxyz0123456789.+-_')) + 1)`;

/** The subtree rooted at `id` (itself included), as a recursive CTE named `down`. */
export const down = (id: number) => sql`
  with recursive down(id) as (
    select id from items where id = ${id}
    union all
    select i.id from items i join down on i.parent_id = down.id
  )`;

const folderValues = (f: NewFolder) => ({
  id: f.id,
  space_id: f.spaceId,
  parent_id: f.parentId,
  name: f.name,
  kind: 'folder' as const,
  system: f.system ? 1 : 0,
  created_by: f.by,
  created_at: f.at,
  modified_by: f.by,
  modified_at: f.at,
  mime: null,
  category: null,
  blob_hash: null,
  expires_at: null,
  trashed_at: null,
  trash_root: null,
});

/** The item `id` and its ancestors with their distance from it, as a recursive CTE named `up`. */
const up = (id: number) => sql`
  with recursive up(id, parent_id, depth) as (
    select id, parent_id, 0 from items where id = ${id}
    union all
    select i.id, i.parent_id, up.depth + 1 from items i join up on i.id = up.parent_id
  )`;

/**
 * The names of a path as a table `segs(depth, name)` (the first name at depth 1). Casts
 * give PostgreSQL the types of bound values; no names give an empty table.
 */
const segments = (names: string[]) =>
  names.length === 0
    ? sql`segs(depth, name) as (select cast(null as integer), cast(null as text) where 1 = 0)`
    : sql`segs(depth, name) as (values ${sql.join(names.map((n, i) => sql`(${sql.lit(i + 1)}, cast(${n} as text))`))})`;

const itemMethods: ItemRepo & ThisType<{ readonly db: Db }> = {
  async insert(row) {
    await this.db.insertInto('items').values(row).execute();
  },

  async insertFolder(f) {
    await this.db.insertInto('items').values(folderValues(f)).execute();
  },

  async insertFolderIfFree(f) {
    // The conflict target names the partial index items_live_name (its predicate included).
    const r = await this.db
      .insertInto('items')
      .values(folderValues(f))
      .onConflict((oc) => oc.columns(['parent_id', 'name']).where('trashed_at', 'is', null).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  },

  byId(id) {
    return this.db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst() as Promise<ItemRow | undefined>;
  },

  async byIds(ids) {
    return (ids.length === 0 ? [] : ((await this.db.selectFrom('items').selectAll().where('id', 'in', ids).execute()) as ItemRow[]));
  },

  withRole(id, userId) {
    return this.db
      .selectFrom('items')
      .leftJoin('members', (j) => j.onRef('members.space_id', '=', 'items.space_id').on('members.user_id', '=', userId))
      .selectAll('items')
      .select('members.role as member_role')
      .where('items.id', '=', id)
      .executeTakeFirst() as Promise<(ItemRow & { member_role: MemberRole | null }) | undefined>;
  },

  async countDownload(id) {
    await this.db.updateTable('items').set({ download_count: sql`download_count + 1` }).where('id', '=', id).execute();
  },

  liveChildByName(parentId, name) {
    return this.db.selectFrom('items').selectAll().where('parent_id', '=', parentId).where('name', '=', name).where('trashed_at', 'is', null).executeTakeFirst() as Promise<ItemRow | undefined>;
  },

  async takenNames(parentId, names) {
    const rows = await this.db.selectFrom('items').select('name').where('parent_id', '=', parentId).where('name', 'in', names).where('trashed_at', 'is', null).execute();
    return new Set(rows.map((r) => r.name));
  },

  async liveChildren(parentId, q) {
    let query = this.db.selectFrom('items').select(SUBTREE_COLUMNS).where('parent_id', '=', parentId).where(visible(await unexpiredIn(this.db, parentId, q)));
    if (q.kind) query = query.where('kind', '=', q.kind);
    if (q.exclude?.length) query = query.where('id', 'not in', q.exclude);
    // SQLite's planner (no statistics) would take the filter's index and sort every match;
    // PostgreSQL's weighs both by its statistics and walks the sort order by itself.
    if (q.filter) query = query.where(filterSql(q.filter, { unindexed: q.dense && this.db.getExecutor().adapter instanceof SqliteAdapter }));
    query = query.orderBy('kind', 'desc'); // 'folder' > 'file'
    // Names sort case-insensitively, the same on both databases (PostgreSQL's collation
    // would otherwise differ from SQLite's byte order); exact name, then id, break ties.
    if (q.sort === 'name') query = query.orderBy(sql`lower(name)`, q.order);
    if (q.sort === 'subtype') query = query.orderBy(SUBTYPE, q.order);
    return (await query.orderBy(q.sort === 'subtype' ? 'mime' : SORT_COLUMN[q.sort], q.order).orderBy('id', q.order).limit(q.limit).offset(q.offset).execute()) as SubtreeRow[];
  },

  async countLiveChildren(parentId, q) {
    let query = this.db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).where('parent_id', '=', parentId).where(visible(await unexpiredIn(this.db, parentId, q)));
    if (q.kind) query = query.where('kind', '=', q.kind);
    if (q.exclude?.length) query = query.where('id', 'not in', q.exclude);
    if (q.filter) query = query.where(filterSql(q.filter));
    return Number((await query.executeTakeFirstOrThrow()).n);
  },

  async listing(parentId, q) {
    const exclude = q.exclude?.length ? sql`and id not in (${sql.join(q.exclude)})` : sql``;
    const live = sql`parent_id = ${parentId} and ${visible(await unexpiredIn(this.db, parentId, { now: q.now }))} ${exclude}`;
    // Each kind walks the name index (items_live_lname) and stops at its cap.
    const r = await sql<ListedRow>`
      select * from (
        select * from (
          select items.*, (
            select count(*) from items f
            where f.parent_id = items.id and f.kind = 'file' and ${visible({ now: q.now }, 'f')}
          ) as file_count
          from items where ${live} and kind = 'folder'
          order by lower(name), name, id limit ${q.maxFolders}
        ) folders
        union all
        select * from (
          select items.*, cast(null as bigint) as file_count from items where ${live} and kind = 'file'
          order by lower(name), name, id limit ${q.maxFiles}
        ) files
      ) listed
      order by listed.kind desc, lower(listed.name), listed.name, listed.id`.execute(this.db);
    return r.rows.map((row) => ({ ...row, file_count: row.file_count === null ? null : Number(row.file_count) }));
  },

  async update(id, patch) {
    const r = await this.db.updateTable('items').set(patch).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async ancestorIds(id) {
    const r = await sql<{ id: number; depth: number }>`${up(id)} select id, depth from up where depth > 0 order by depth`.execute(this.db);
    return r.rows.map((x) => Number(x.id));
  },

  async chain(id) {
    const r = await sql<ItemRow>`${up(id)} select items.* from items join up on items.id = up.id order by up.depth desc`.execute(this.db);
    return r.rows;
  },

  async walk(spaceId, names) {
    // From the root, each step joins the next name on (parent_id, name) among live items:
    // the partial unique index items_live_name answers it.
    const r = await sql<ItemRow>`
      with recursive ${segments(names)},
      walk(id, depth) as (
        select root_id, 0 from spaces where id = ${spaceId} and root_id is not null
        union all
        select i.id, walk.depth + 1 from walk
          join segs on segs.depth = walk.depth + 1
          join items i on i.parent_id = walk.id and i.name = segs.name and i.trashed_at is null
      )
      select items.* from items join walk on items.id = walk.id order by walk.depth`.execute(this.db);
    return r.rows;
  },

  async isReferenced(id) {
    const r = await sql`
      select 1 as x from shares where item_id = ${id}
      union all select 1 from favorites where item_id = ${id}
      union all select 1 from pins where item_id = ${id}
      union all select 1 from acl_entries where item_id = ${id}
      limit 1`.execute(this.db);
    return r.rows.length > 0;
  },

  async subtree(id) {
    // Only the columns trees, zips, copies and moves use: on SQLite, every column read for
    // 10,000 rows costs (reading `category` too made file/descendants 30 % slower).
    // The columns are carried through the recursion: each row is read once, by the parent
    // index, instead of found again by id afterwards.
    const r = await sql<SubtreeRow>`
      with recursive down as (
        select ${sql.join(SUBTREE_COLUMNS.map((c) => sql.ref(`items.${c}`)))}, 0 as depth from items where parent_id = ${id}
        union all
        select ${sql.join(SUBTREE_COLUMNS.map((c) => sql.ref(`i.${c}`)))}, down.depth + 1 from items i join down on i.parent_id = down.id
      )
      select ${sql.join(SUBTREE_COLUMNS.map((c) => sql.ref(c)))} from down order by depth, id`.execute(this.db);
    return r.rows;
  },

  async subtreeUsage(id) {
    const r = await sql<{ category: Category; bytes: number; files: number }>`
      ${down(id)}
      select category, sum(bytes) as bytes, sum(files) as files from (
        select v.category, v.size as bytes, 0 as files from versions v join down d on v.item_id = d.id
        union all
        select i.category, 0 as bytes, 1 as files from items i join down d on i.id = d.id where i.kind = 'file'
      ) u group by category`.execute(this.db);
    const out: SubtreeUsage = {};
    for (const x of r.rows) out[x.category ?? 'other'] = { bytes: Number(x.bytes), files: Number(x.files) };
    return out;
  },

  async subtreeBlobRefs(id) {
    const r = await sql<{ blob_hash: string; n: number }>`
      ${down(id)}
      select v.blob_hash, count(*) as n from versions v join down d on v.item_id = d.id group by v.blob_hash`.execute(this.db);
    return r.rows.map((x) => ({ hash: x.blob_hash, n: Number(x.n) }));
  },

  async setSubtreeSpace(id, spaceId) {
    await sql`${down(id)} update items set space_id = ${spaceId} where id in (select id from down)`.execute(this.db);
    // Entries go with their items: the space's "has entries" check reads their space_id.
    await sql`${down(id)} update acl_entries set space_id = ${spaceId} where item_id in (select id from down)`.execute(this.db);
  },

  async trashSubtree(rootId, at) {
    const r = await sql`
      with recursive down(id) as (
        select id from items where id = ${rootId}
        union all
        select i.id from items i join down on i.parent_id = down.id where i.trashed_at is null
      )
      update items set trashed_at = ${at}, trash_root = ${rootId}
      where id in (select id from down) and trashed_at is null`.execute(this.db);
    return Number(r.numAffectedRows ?? 0);
  },

  trashTops(spaceId, now) {
    return this.db.selectFrom('items').selectAll().where('space_id', '=', spaceId).whereRef('trash_root', '=', 'id').where(visible({ now, trash: true })).orderBy('trashed_at', 'desc').orderBy('id').limit(10_000).execute() as Promise<ItemRow[]>;
  },

  async untrash(rootId) {
    await this.db.updateTable('items').set({ trashed_at: null, trash_root: null }).where('trash_root', '=', rootId).execute();
  },

  async countFolders() {
    return Number((await this.db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', 'folder').executeTakeFirstOrThrow()).n);
  },

  async deleteSubtree(id) {
    await sql`${down(id)} delete from items where id in (select id from down)`.execute(this.db);
  },

  async expiredIds(now, limit) {
    const rows = await this.db.selectFrom('items').select('id').where('expires_at', 'is not', null).where('expires_at', '<=', now).orderBy('expires_at').limit(limit).execute();
    return rows.map((r) => Number(r.id));
  },

  async claimExpired(ids, now) {
    if (ids.length === 0) return [];
    // A no-op update that takes each row's lock: a concurrent sweep waits, then re-checks the condition and finds the row gone.
    return (await this.db
      .updateTable('items')
      .set({ expires_at: sql`expires_at` })
      .where('id', 'in', ids)
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', now)
      .returning(['id', 'space_id', 'kind', 'category'])
      .execute()) as ExpiredItem[];
  },

  async deleteMany(ids) {
    if (ids.length > 0) await this.db.deleteFrom('items').where('id', 'in', ids).execute();
  },

  async setExpiryIfLive(id, now, expiresAt) {
    const r = await this.db
      .updateTable('items')
      .set({ expires_at: expiresAt })
      .where('id', '=', id)
      .where('trashed_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },
};

export const itemRepo = (db: Db): ItemRepo => Object.assign(Object.create(itemMethods) as ItemRepo, { db });

const versionMethods: VersionRepo & ThisType<{ readonly db: Db }> = {
  async insert(row) {
    await this.db.insertInto('versions').values(row).execute();
  },

  ofItem(itemId) {
    return this.db.selectFrom('versions').selectAll().where('item_id', '=', itemId).orderBy('number', 'desc').execute() as Promise<VersionRow[]>;
  },

  byNumber(itemId, n) {
    return this.db.selectFrom('versions').selectAll().where('item_id', '=', itemId).where('number', '=', n).executeTakeFirst() as Promise<VersionRow | undefined>;
  },

  beyond(itemId, keep) {
    return this.db.selectFrom('versions').selectAll().where('item_id', '=', itemId).orderBy('number', 'desc').offset(keep).limit(1_000_000).execute() as Promise<VersionRow[]>;
  },

  async delete(id) {
    await this.db.deleteFrom('versions').where('id', '=', id).execute();
  },

  async usageOfItems(itemIds) {
    if (itemIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('versions')
      .select(['item_id', 'category', (eb) => eb.fn.sum<number>('size').as('bytes')])
      .where('item_id', 'in', itemIds)
      .groupBy(['item_id', 'category'])
      .execute();
    return rows.map((r) => ({ item_id: Number(r.item_id), category: r.category, bytes: Number(r.bytes) }));
  },

  async refsOfItems(itemIds) {
    if (itemIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('versions')
      .select(['blob_hash', (eb) => eb.fn.countAll<number>().as('n')])
      .where('item_id', 'in', itemIds)
      .groupBy('blob_hash')
      .execute();
    return rows.map((r) => ({ hash: r.blob_hash, n: Number(r.n) }));
  },
};

export const versionRepo = (db: Db): VersionRepo => Object.assign(Object.create(versionMethods) as VersionRepo, { db });
