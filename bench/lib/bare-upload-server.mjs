// The ceiling of the `tus-upload` rows: the least a Node server can do with these bytes.
// It speaks just enough tus for lib/tus-client.mjs (POST: 201 with a Location; PATCH: the
// body written at Upload-Offset in writes of about 1 MiB, then 204 with the new offset) and
// nothing else: no hashing, no database, no checks, no fsync. Nothing built on Node's HTTP
// server and the page cache receives an upload faster. With `sha256` it also hashes every
// byte, as a content-addressed store must: the ceiling for any such store on one core.
// Run pinned by the scenario:
//   node bench/lib/bare-upload-server.mjs <port> <file> [sha256]
// Prints "listening" once it accepts requests.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { open } from 'node:fs/promises';

const [port, file, hashing] = process.argv.slice(2);
const sha = hashing === 'sha256' ? createHash('sha256') : undefined;
const fh = await open(file, 'w');
const WRITE = 1024 * 1024;

http
  .createServer(async (req, res) => {
    try {
      if (req.method === 'POST') {
        res.writeHead(201, { location: '/files/bare', 'tus-resumable': '1.0.0' }).end();
        return;
      }
      let at = Number(req.headers['upload-offset']);
      let bufs = [];
      let n = 0;
      for await (const chunk of req) {
        sha?.update(chunk);
        bufs.push(chunk);
        n += chunk.length;
        if (n < WRITE) continue;
        await fh.writev(bufs, at);
        at += n;
        [bufs, n] = [[], 0];
      }
      if (n) await fh.writev(bufs, at);
      res.writeHead(204, { 'upload-offset': String(at + n), 'tus-resumable': '1.0.0' }).end();
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  })
  .listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
