import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_init.js';
import * as m0002 from './0002_acl.js';
import * as m0003 from './0003_favorites.js';
import * as m0004 from './0004_public_reads.js';
import * as m0005 from './0005_upload_sessions.js';
import * as m0006 from './0006_shares.js';
import * as m0007 from './0007_usage_ledger.js';
import * as m0008 from './0008_hardening.js';
import * as m0009 from './0009_media_listing.js';
import * as m0014 from './0014_leases.js';
import * as m0010 from './0010_pins_and_expiry.js';
import * as m0012 from './0012_server_secrets.js';
import * as m0013 from './0013_tus_sessions.js';
import * as m0015 from './0015_acl_entries_follow_items.js';
import * as m0016 from './0016_upload_reservations.js';
import * as m0017 from './0017_in_flight.js';
import * as m0018 from './0018_listing_counts_see_expiry.js';
import * as m0019 from './0019_public_read.js';
import * as m0022 from './0022_locks_and_read_only_tokens.js';
import * as m0023 from './0023_live_index_leaves_out_pending.js';
import * as m0024 from './0024_expiring_children_index.js';
import * as m0025 from './0025_dead_props.js';

/** Migrations are listed in code so they ship inside the compiled build. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_init': m0001,
  '0002_acl': m0002,
  '0003_favorites': m0003,
  '0004_public_reads': m0004,
  '0005_upload_sessions': m0005,
  '0006_shares': m0006,
  '0007_usage_ledger': m0007,
  '0008_hardening': m0008,
  '0009_media_listing': m0009,
  '0014_leases': m0014,
  '0010_pins_and_expiry': m0010,
  '0012_server_secrets': m0012,
  '0013_tus_sessions': m0013,
  '0015_acl_entries_follow_items': m0015,
  '0016_upload_reservations': m0016,
  '0017_in_flight': m0017,
  '0018_listing_counts_see_expiry': m0018,
  '0019_public_read': m0019,
  '0022_locks_and_read_only_tokens': m0022,
  '0023_live_index_leaves_out_pending': m0023,
  '0024_expiring_children_index': m0024,
  '0025_dead_props': m0025,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
