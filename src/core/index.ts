import { Access, AccessCache } from './access.js';
import { WriteListener } from '../store/write-listener.js';
import { pruneHits } from '../store/repos/limits.js';
import { collectGarbage, type GcReport } from './blobs/gc.js';
import type { CoreContext } from './context.js';
import { ChangeService } from './items/changes.js';
import { ContentReader, ContentService } from './items/content.js';
import { ItemQueries } from './items/queries.js';
import { UploadService } from './items/upload.js';
import { SlicedUploads } from './uploads/service.js';
import { SpaceService } from './spaces/service.js';
import { TokenService } from './tokens/service.js';
import { TrashService } from './trash/service.js';
import { AclService } from './acl/service.js';
import { FavoriteService } from './favorites/service.js';
import { PublicReads } from './public/service.js';
import { ShareService } from './shares/service.js';
import { UserService } from './users/service.js';

/** Every core service, wired to the ports of one context. */
export interface Core {
  readonly ctx: CoreContext;
  readonly access: Access;
  readonly users: UserService;
  readonly tokens: TokenService;
  readonly spaces: SpaceService;
  readonly items: ItemQueries;
  readonly uploads: UploadService;
  readonly sliced: SlicedUploads;
  readonly changes: ChangeService;
  readonly content: ContentService;
  readonly trash: TrashService;
  readonly acl: AclService;
  readonly favorites: FavoriteService;
  readonly publicReads: PublicReads;
  readonly shares: ShareService;
  gc(): Promise<GcReport>;
}

export function createCore(ctx: CoreContext): Core {
  const cache = new AccessCache(ctx.config.authCacheSeconds * 1000, ctx.now);
  // Every write through the core clears this node's read cache.
  let publicReads: PublicReads | undefined;
  const db = ctx.database.db.withPlugin(
    new WriteListener(() => {
      cache.forget();
      publicReads?.forget();
    }),
  );
  const access = new Access(db, cache);
  const reader = new ContentReader(ctx.blobs);
  const spaces = new SpaceService(db, ctx.now);
  const items = new ItemQueries(db, access);
  const uploads = new UploadService(ctx, db, access);
  const sliced = new SlicedUploads(ctx, db, access, uploads, items);
  return {
    ctx,
    access,
    spaces,
    users: new UserService(db, spaces, ctx.now),
    tokens: new TokenService(db, ctx.now, ctx.config.authCacheSeconds),
    items,
    uploads,
    sliced,
    changes: new ChangeService(db, ctx.now),
    content: new ContentService(db, access, reader),
    publicReads: (publicReads = new PublicReads(ctx, db, reader)),
    trash: new TrashService(db, access, ctx.now),
    acl: new AclService(db, access, ctx.now),
    favorites: new FavoriteService(db, access, ctx.now),
    shares: new ShareService(db, access, reader, ctx.blobs, ctx.now),
    gc: async () => {
      // Rate-limit windows older than an hour count for nothing any more.
      await pruneHits(db, ctx.now() - 3600_000);
      // Expired sliced uploads give their quota back before blobs are counted.
      await sliced.expire();
      return collectGarbage(db, ctx.blobs, ctx.now(), ctx.config.gcGraceSeconds * 1000);
    },
  };
}
