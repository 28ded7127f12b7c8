import type { DialectFactory } from '../shared/dialect.js';
import { driveDialect } from './drive/index.js';
import { mediaByNameDialects, mediaDialect } from './media/index.js';
import { nativeDialect } from './native/index.js';
import { socialDialect } from './social/index.js';
import { tencenturiesDialect } from './tencenturies/index.js';
import { oneBotDialect } from './onebot/index.js';
import { tusDialect } from './tus/index.js';
import { webdavDialect } from './webdav/index.js';

/**
 * Every dialect Kura serves, mounted in this order by the app. Adding one is its folder
 * and one line here (docs/architecture.md, "Adding a dialect").
 */
export const DIALECTS: readonly DialectFactory[] = [nativeDialect, driveDialect, mediaDialect, socialDialect, tencenturiesDialect, oneBotDialect, tusDialect, webdavDialect, ...mediaByNameDialects];
