import { describe, expect, expectTypeOf, it } from 'vitest';
import type { FromSchema } from '../src/http/shared/schema-types.js';
import { type idParam, placeConflict } from '../src/http/dialects/native/schemas.js';

/** Request types derived from `as const` JSON schemas (decisions/0047); tsc checks these. */
describe('FromSchema', () => {
  it('types objects, required and optional properties, enums, lists, nulls and unions', () => {
    const body = {
      type: ['object', 'null'],
      properties: {
        name: { type: 'string' },
        size: { type: ['integer', 'null'] },
        tags: { type: 'array', items: { type: 'string' } },
        kind: { type: 'string', enum: ['file', 'folder'] },
        depth: { anyOf: [{ type: 'integer', enum: [0] }, { type: 'string', enum: ['infinity'] }] },
        props: { type: 'object', additionalProperties: true },
        ...placeConflict,
      },
      required: ['name'],
      additionalProperties: false,
    } as const;
    expectTypeOf<FromSchema<typeof body>>().toEqualTypeOf<{
      name: string;
      size?: number | null;
      tags?: string[];
      kind?: 'file' | 'folder';
      depth?: 0 | 'infinity';
      props?: Record<string, unknown>;
      onConflict?: 'fail' | 'rename' | 'version' | 'replace';
    } | null>();
    expectTypeOf<FromSchema<typeof idParam>>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<FromSchema<{ readonly $ref: 'x#' }>>().toEqualTypeOf<unknown>();
    expect(body.required).toEqual(['name']);
  });
});
