// The media dialect (/file…, spec 001) for the bench: multipart uploads with `files` parts,
// and a bulk seed of a personal space root straight into the SQLite database.
import { randomBytes, randomInt } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { request } from './http.mjs';
import { BenchError } from './proc.mjs';

/** A media ObjectId (24 hex digits) of a Kura id. */
export const oid = (id) => id.toString(16).padStart(24, '0');

/** POST /file/upload with one `files` part per { name, data }; resolves the answer's files. */
export async function mediaUpload(kura, files) {
  const boundary = `----kura-media-${randomBytes(6).toString('hex')}`;
  const body = [];
  for (const f of files) {
    body.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`), f.data, Buffer.from('\r\n'));
  }
  body.push(Buffer.from(`--${boundary}--\r\n`));
  const r = await request(`${kura.url}/file/upload`, { method: 'POST', headers: { ...kura.auth, 'content-type': `multipart/form-data; boundary=${boundary}` }, body: Buffer.concat(body), timeoutMs: 120000 });
  if (r.status !== 200) throw new BenchError(`POST /file/upload: HTTP ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
  return JSON.parse(r.body.toString('utf8')).files;
}

/** A real WAV file of `n` samples. */
export function wav(n, seed) {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + n, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(8000, 28);
  h.writeUInt16LE(1, 32);
  h.writeUInt16LE(8, 34);
  h.write('data', 36);
  h.writeUInt32LE(n, 40);
  return Buffer.concat([h, Buffer.alloc(n, seed)]);
}

/**
 * Seeds `count` files into the bench user's personal space root, untimed and fast: a few
 * real template files go through POST /file/upload (so their blobs are in the store), then
 * `count` item rows (with their version rows) that point at those blobs are inserted in one
 * SQLite transaction, and the blob reference counts and the usage ledger are raised to
 * match, so `kura fsck` finds the data consistent. Uploading 100,000 files through HTTP
 * would take minutes and measure nothing this scenario is about.
 * Resolves the seeded rows' { id, name, mime, size, created } in insertion order.
 */
export async function seedMediaFiles(kura, templates, count) {
  const uploaded = await mediaUpload(kura, templates);
  const db = new Database(path.join(kura.env.DATA_DIR, 'kura.db'));
  try {
    db.pragma('busy_timeout = 10000');
    const rows = uploaded.map((f) => db.prepare('select * from items where id = ?').get(parseInt(f.id, 16)));
    const space = rows[0].space_id;
    const insertItem = db.prepare(
      `insert into items (id, space_id, parent_id, name, kind, system, description, custom_tag, properties, created_by, created_at, modified_by, modified_at, size, mime, version, blob_hash, download_count, category)
       values (@id, @space_id, @parent_id, @name, 'file', 0, '', '', '{}', @created_by, @created_at, @created_by, @created_at, @size, @mime, 1, @blob_hash, 0, @category)`,
    );
    const insertVersion = db.prepare(
      `insert into versions (id, item_id, number, blob_hash, size, mime, category, created_by, created_at) values (@vid, @id, 1, @blob_hash, @size, @mime, @category, @created_by, @created_at)`,
    );
    const refs = new Map();
    const usage = new Map();
    const seeded = [];
    const t0 = Date.now() - count;
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const t = rows[i % rows.length];
        const ext = path.extname(t.name);
        const row = { ...t, id: randomInt(1, 2 ** 48), vid: randomInt(1, 2 ** 48), name: `m${String(i).padStart(6, '0')}${ext}`, created_at: t0 + i };
        insertItem.run(row);
        insertVersion.run(row);
        refs.set(t.blob_hash, (refs.get(t.blob_hash) ?? 0) + 1);
        const u = usage.get(t.category) ?? { bytes: 0, files: 0 };
        u.bytes += Number(t.size);
        u.files += 1;
        usage.set(t.category, u);
        seeded.push({ id: row.id, name: row.name, mime: t.mime, size: Number(t.size), created: row.created_at });
      }
      for (const [hash, n] of refs) db.prepare('update blobs set refcount = refcount + ? where hash = ?').run(n, hash);
      let bytes = 0;
      for (const [category, u] of usage) {
        db.prepare('update space_usage set bytes = bytes + ?, files = files + ? where space_id = ? and category = ?').run(u.bytes, u.files, space, category);
        bytes += u.bytes;
      }
      db.prepare('update spaces set used_bytes = used_bytes + ?, used_files = used_files + ? where id = ?').run(bytes, count, space);
    })();
    return seeded;
  } finally {
    db.close();
  }
}
