import { oneBotAccessToken } from '../../shared/credentials.js';
import type { DialectFactory } from '../../shared/dialect.js';
import { makeOneBot } from './context.js';
import { renderOneBotError } from './envelope.js';
import { groupRoutes } from './groups.js';
import { oneBotTransport } from './transport.js';
import { uploadRoutes } from './uploads.js';

/**
 * The `onebot` dialect (spec 004): OneBot 11 group and private file actions at
 * /onebot/<action>, GET or POST. docs/onebot.md has its decisions.
 */
export const oneBotDialect: DialectFactory = (core, config) => {
  const o = makeOneBot(core, config);
  // A base64 upload's text is a third larger than its bytes, plus the other parameters.
  const bodyLimit = Math.ceil((config.base64MaxBytes * 4) / 3) + 64 * 1024;
  return {
    name: 'onebot',
    prefix: '/onebot',
    credentials: [oneBotAccessToken()],
    missingCredential: 'access_token is required (Authorization: Bearer <token> or ?access_token=)',
    renderError: renderOneBotError,
    async routes(app) {
      oneBotTransport(app, bodyLimit);
      await app.register(groupRoutes(o));
      await app.register(uploadRoutes(o));
    },
  };
};
