import { sql, type Kysely } from 'kysely';

/*
 * Access entries carry their item's space (the "space has entries" check reads it). Moves
 * into another space used to leave it behind, so the entries of moved items were listed but
 * no longer applied. Moves now take them along; this gives entries moved earlier their
 * item's space again, so they apply once more.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update acl_entries set space_id = (select items.space_id from items where items.id = acl_entries.item_id)
    where space_id <> (select items.space_id from items where items.id = acl_entries.item_id)`.execute(db);
}

// Nothing to undo: the entries keep their items' spaces.
export async function down(): Promise<void> {}
