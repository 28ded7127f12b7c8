// s3rver (the S3-protocol server the tests and the bench run) removes a key's parent
// directories once a delete leaves them empty. Under concurrent load that races with a PUT
// into the same directory: the PUT has made the directory, the delete removes it, and the
// PUT's file cannot be opened (an uncaught ENOENT, the request never answers). Real S3 has
// no directories. This loads s3rver with deletes that leave directories in place.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The s3rver class, its filesystem store patched as described above (once per process). */
export function loadS3rver() {
  const Store = require('s3rver/lib/stores/filesystem');
  if (!Store.prototype.kuraKeepsDirectories) {
    const unlinkObject = async function (bucket, key) {
      const { unlink } = require('node:fs/promises');
      await Promise.all(
        ['object', 'object.md5', 'metadata.json'].map((kind) =>
          unlink(this.getResourcePath(bucket, key, kind)).catch((err) => {
            if (err.code !== 'ENOENT') throw err;
          }),
        ),
      );
    };
    Store.prototype.deleteObject = unlinkObject;
    Store.prototype.kuraKeepsDirectories = true;
  }
  return require('s3rver');
}
