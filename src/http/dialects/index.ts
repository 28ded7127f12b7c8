import type { DialectFactory } from '../shared/dialect.js';
import { driveDialect } from './drive/index.js';
import { nativeDialect } from './native/index.js';
import { tusDialect } from './tus/index.js';

/**
 * Every dialect Kura serves, mounted in this order by the app. Adding one is its folder
 * and one line here (docs/architecture.md, "Adding a dialect").
 */
export const DIALECTS: readonly DialectFactory[] = [nativeDialect, driveDialect, tusDialect];
