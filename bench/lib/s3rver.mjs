// An S3-protocol server for the bench (s3rver, a devDependency), run as its own process so
// it can be pinned like the servers: node bench/lib/s3rver.mjs <directory> <port>
import { loadS3rver } from './s3rver-safe.mjs';

const [directory, port] = process.argv.slice(2);
const S3rver = loadS3rver();
const server = new S3rver({ address: '127.0.0.1', port: Number(port), directory, silent: true });
await server.run();
process.stdout.write(`s3rver on 127.0.0.1:${port}\n`);
const stop = () => server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
