// The reference for the `tus-upload` row: @tus/server with its file store (@tus/file-store),
// as its README sets it up, on Node's http server. Run pinned by the scenario:
//   node bench/lib/tus-server.mjs <port> <directory>
// Prints "listening" once it accepts requests.
import http from 'node:http';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';

const [port, directory] = process.argv.slice(2);
const server = new Server({ path: '/files', datastore: new FileStore({ directory }) });
http.createServer((req, res) => server.handle(req, res)).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
