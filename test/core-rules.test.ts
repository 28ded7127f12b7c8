import { describe, expect, it } from 'vitest';
import { newId, parseId } from '../src/core/ids.js';
import { fromObjectId, toObjectId } from '../src/http/shared/ids.js';
import { sniffMime } from '../src/core/mime.js';
import { checkName, numberedName } from '../src/core/names.js';
import { ALL_RIGHTS, Right, ROLE_RIGHTS } from '../src/core/rights.js';

describe('names', () => {
  it('accepts ordinary and unicode names, normalised to NFC', () => {
    expect(checkName('report.pdf')).toBe('report.pdf');
    expect(checkName('e\u0301')).toBe('\u00e9');
    expect(checkName('x'.repeat(255))).toHaveLength(255);
  });
  it.each(['', '.', '..', 'a/b', 'a\\b', 'nul\u0000', 'tab\tx', 'x'.repeat(256), ' x', 'x ', 'nel\u0085x', 'line\u2028x', 'gpj\u202Eexe.txt', 'iso\u2066x', 'lone\ud800', '\udc00lone', 'bom\ufeffx'])('refuses %j', (n) => {
    expect(() => checkName(n)).toThrow();
  });
  it('refuses non-strings', () => {
    expect(() => checkName(5)).toThrow(/string/);
  });
  it('numbers names for the rename policy', () => {
    expect(numberedName('report.pdf', 1)).toBe('report (1).pdf');
    expect(numberedName('archive', 2)).toBe('archive (2)');
    expect(numberedName('.env', 1)).toBe('.env (1)');
    expect(numberedName('x'.repeat(255), 3).length).toBeLessThanOrEqual(255);
  });
  it('keeps every generated name within the rules: ≤ 255 units, no split emoji, no trailing space', () => {
    for (const name of ['😀'.repeat(127), '😀'.repeat(125) + '.txt', 'a.' + 'b'.repeat(253), 'x'.repeat(250) + ' ' + '.'.repeat(3), 'y '.repeat(127) + 'y']) {
      for (const n of [1, 12, 9999]) {
        const out = numberedName(checkName(name.slice(0, 255)), n);
        expect(out.length).toBeLessThanOrEqual(255);
        expect(checkName(out)).toBe(out);
        expect(out.endsWith(`(${n})`) || out.includes(`(${n}).`)).toBe(true);
      }
    }
    expect(numberedName('😀'.repeat(127), 1)).toBe('😀'.repeat(125) + ' (1)');
  });
  it('accepts names with emoji and right-to-left text', () => {
    expect(checkName('😀 report.pdf')).toBe('😀 report.pdf');
    expect(checkName('تقرير.pdf')).toBe('تقرير.pdf');
  });
});

describe('ids', () => {
  it('are random 53-bit integers', () => {
    const ids = new Set(Array.from({ length: 1000 }, newId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(Number.isSafeInteger(id) && id > 0).toBe(true);
  });
  it('round-trip through ObjectId form', () => {
    const id = newId();
    expect(toObjectId(id)).toMatch(/^[0-9a-f]{24}$/);
    expect(fromObjectId(toObjectId(id))).toBe(id);
    expect(fromObjectId('xyz')).toBeUndefined();
    expect(parseId('0')).toBeUndefined();
    expect(parseId('12a')).toBeUndefined();
    expect(parseId('42')).toBe(42);
  });
});

describe('rights', () => {
  it('gives roles their base masks', () => {
    expect(ROLE_RIGHTS.owner).toBe(ALL_RIGHTS);
    expect(ROLE_RIGHTS.member & Right.EDIT_PERMISSIONS).toBe(0);
    expect(ROLE_RIGHTS.viewer).toBe(Right.READ_ATTRS | Right.LIST | Right.READ_CONTENT);
  });
});

describe('MIME sniffing', () => {
  it('trusts bytes, not names', async () => {
    expect(await sniffMime(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0]), 'x.txt')).toBe('image/jpeg');
    expect(await sniffMime(Buffer.from('hello'), 'x.exe')).toBe('text/plain');
    expect(await sniffMime(Buffer.from('<!DOCTYPE html><p>'), 'x.txt')).toBe('text/html');
    expect(await sniffMime(Buffer.from([0, 1, 2, 3, 250]), 'x.txt')).toBe('application/octet-stream');
    expect(await sniffMime(Buffer.from('{"a":1}'), 'data.json')).toBe('application/json');
  });
});
