import { describe, expect, it } from 'vitest';
import { compileFilter, CORE_FIELD_SPECS, matches, wildcardMatch } from '../src/core/filter/filter.js';
import type { Item } from '../src/core/items/view.js';

const item = (over: Partial<Item>): Item => ({
  id: 1, spaceId: 1, parentId: 1, name: 'Report.PDF', kind: 'file', system: false, description: '', customTag: '', properties: {}, size: 2000, mime: 'application/pdf',
  category: 'other', version: 1, sha256: null, createdBy: 1, createdAt: 1000, modifiedBy: 1, modifiedAt: 1000, downloadCount: 0, public: false, expiresAt: null, trashedAt: null, ...over,
});

describe('filter language', () => {
  it('evaluates comparisons, wildcards, lists and logic', () => {
    const t = (e: string, i = item({})) => matches(compileFilter(e, CORE_FIELD_SPECS), i);
    expect(t('name==*.pdf')).toBe(true); // wildcards ignore case
    expect(t('name==Report.PDF')).toBe(true);
    expect(t('name==report.pdf')).toBe(false); // exact match is exact
    expect(t('size=gt=1000;size=le=2000')).toBe(true);
    expect(t('size=lt=1000,isFolder==true')).toBe(false);
    expect(t('(size=lt=1000,isFolder==false);name!=x*')).toBe(true);
    expect(t('mime=in=(image/png,application/pdf)')).toBe(true);
    expect(t('mime=out=(application/pdf)')).toBe(false);
    expect(t('mime!=x', item({ mime: null, kind: 'folder' }))).toBe(true);
  });

  it('refuses bad expressions with a 400 that says where', () => {
    const err = (e: string) => {
      try {
        compileFilter(e, CORE_FIELD_SPECS, 'q');
      } catch (x) {
        return x as { code: string; message: string };
      }
      throw new Error('no error');
    };
    expect(err('name==a;(size=gt=3')).toMatchObject({ code: 'bad_request' });
    expect(err('name==a;(size=gt=3').message).toMatch(/position/);
    expect(err('colour==red').message).toMatch(/unknown property "colour" at position 0/);
    expect(err('name==a;size=gt=big').message).toMatch(/bad value "big" for "size" at position 8/);
    expect(err('isFolder=gt=true').message).toMatch(/true or false/);
    expect(err('size=foo=3').message).toMatch(/operator|position/);
    expect(err('x'.repeat(5000)).message).toMatch(/4096/);
  });

  it('matches wildcards like a glob, in linear time whatever the input', () => {
    const cases: [string, string, boolean][] = [
      ['*', '', true],
      ['a*', 'abc', true],
      ['*c', 'abc', true],
      ['a*c', 'ac', true],
      ['a*c', 'a', false],
      ['*b*', 'abc', true],
      ['a*b*c', 'aXbYc', true],
      ['a*b*c', 'aXcYb', false],
      ['ab*ab', 'ab', false],
      ['*.PDF', 'report.pdf', true],
      ['a.c', 'abc', false],
      ['(x)*[y]', '(x)zz[y]', true],
    ];
    for (const [p, t, want] of cases) expect(wildcardMatch(p, t), `${p} ~ ${t}`).toBe(want);
    // The pattern that froze a node with a backtracking regular expression.
    const long = 'a'.repeat(100_000);
    expect(wildcardMatch('*a*a*a*a*a*a*a*a*a*a*a*a*b', long)).toBe(false);
    expect(matches(compileFilter('name==*a*a*a*a*a*a*a*a*b', CORE_FIELD_SPECS), item({ name: 'a'.repeat(255) }))).toBe(false);
  });

  it('bounds wildcard patterns', () => {
    expect(() => compileFilter(`name==${'*a'.repeat(17)}`, CORE_FIELD_SPECS, 'q')).toThrow(/at most 255 characters and 16 wildcards/);
    expect(() => compileFilter(`name==*${'a'.repeat(300)}`, CORE_FIELD_SPECS, 'q')).toThrow(/too long/);
    expect(() => compileFilter(`name==${'*a'.repeat(16)}`, CORE_FIELD_SPECS, 'q')).not.toThrow();
  });
});
