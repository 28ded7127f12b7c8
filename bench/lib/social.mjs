// The social dialect's generic upload (POST /files, multipart: type, then file), as the
// bench seeds it: one request per file, a few in flight.
import { randomBytes } from 'node:crypto';
import { requestJson } from './http.mjs';
import { BenchError } from './proc.mjs';

/** POST /files with `type` and one file part; resolves the new file's id. */
export async function socialUpload(kura, data, { type = 'image', name = 'photo.jpg' } = {}) {
  const boundary = `----kura${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\n${type}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = Buffer.concat([head, data, tail]);
  const res = await requestJson(
    `${kura.url}/files`,
    { method: 'POST', headers: { ...kura.auth, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) }, body },
    [201],
  );
  if (typeof res.file_id !== 'number') throw new BenchError(`POST /files answered no file_id: ${JSON.stringify(res).slice(0, 200)}`);
  return res.file_id;
}

/** `count` uploads of `make(i)`, `parallel` in flight; resolves the ids in order. */
export async function seedSocial(kura, count, make, parallel = 4) {
  const ids = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      ids[i] = await socialUpload(kura, make(i));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return ids;
}
