import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const outsideCore = { regex: '(^|/)core/(?!index\\.js$)', message: 'import the core through its public surface, src/core/index.ts' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly', AbortController: 'readonly', Blob: 'readonly', FormData: 'readonly', Response: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // The core is sealed: no web framework, SQL, driver, storage SDK or image library, and
  // nothing from outside src/core/ but the fault point names (src/faults.ts, a leaf); its config
  // slice is its own (core/config.ts). Ports are its only doors.
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['kysely', 'pg', 'better-sqlite3', 'fastify', 'sharp', 'busboy', 'range-parser', 'pino', 'prom-client'].map((name) => ({ name, message: 'the core stays free of frameworks and drivers: go through a port in src/core/ports/' })),
          patterns: [
            { group: ['@aws-sdk/*', '@fastify/*'], message: 'the core stays free of frameworks and SDKs: go through a port in src/core/ports/' },
            {
              regex: '^(\\.\\./)+(store|http|blobs|media|fetch|cli|server|runtime|logging|config|redact|dirs|heap-tuning)(/|\\.js$)',
              message: 'the core does not import adapters or transports; they import the core (src/core/index.ts)',
            },
          ],
        },
      ],
    },
  },
  // Outside the core, its one public surface is src/core/index.ts: every module, adapters
  // (store, blobs, media, fetch), faces (http, cli), config.ts, logging.ts, runtime.ts and
  // server.ts alike; nothing is exempt.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/core/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [outsideCore] }],
    },
  },
  // Faces reach the bytes a client names through the core (its SourceOpener port), never src/fetch.
  {
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [outsideCore, { regex: '^(\\.\\./)+fetch(/|\\.js$)', message: 'faces ask the core for named sources (core.uploads.uploadFrom); src/fetch is its adapter, wired in runtime.ts' }] },
      ],
    },
  },
);
