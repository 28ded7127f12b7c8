import { randomUUID } from 'node:crypto';
import { PassThrough, Readable, type Transform } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCopyCommand,
  type CompletedPart,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { KuraConfig } from '../config.js';
import { type BlobStore, type ByteRange, KuraError, type PieceOptions, type PieceRef, type StagedBlob, type StageOptions, type StoredBlob, type StoredPiece, type StoredSession } from '../core/index.js';
import { feed, Ingest } from './ingest.js';
import { concatPieces, PieceMeter } from './pieces.js';
import { blobKey, checkHash, checkRange, isHash, pieceKey } from './locator.js';

export type S3BlobStoreOptions = Omit<KuraConfig['s3'], 'connectTimeoutMs' | 'idleTimeoutMs'> & Partial<Pick<KuraConfig['s3'], 'connectTimeoutMs' | 'idleTimeoutMs'>> & { prefix?: string };

/** What makes an endpoint unreachable rather than a request wrong. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE']);

const PART = 8 * 1024 * 1024;
const QUEUE = 4;
/** CopyObject takes at most 5 GiB; larger objects are copied part by part. */
const SINGLE_COPY_MAX = 5 * 1024 ** 3;
const COPY_PART = 512 * 1024 * 1024;
/** Staging data older than this belongs to uploads that will never finish. */
const STAGING_TTL_MS = 24 * 3600 * 1000;
const STAGING_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface S3Failure {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}
const failure = (e: unknown): S3Failure => (typeof e === 'object' && e !== null ? (e as S3Failure) : {});

/** A missing object — but not a missing bucket, which is a configuration error to surface. */
function isMissing(e: unknown): boolean {
  const { name, $metadata } = failure(e);
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}

/** Escapes a key for x-amz-copy-source, keeping the slashes. */
const copySource = (bucket: string, key: string) => `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

/** Passes on the first `n` bytes of `body`, then stops (and so releases) it. */
function firstBytes(body: Readable, n: number): Readable {
  return Readable.from(
    (async function* () {
      let left = n;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
        left -= part.length;
        if (part.length) yield part;
        if (left <= 0) break;
      }
    })(),
    { objectMode: false },
  );
}

/**
 * Blobs in an S3-compatible bucket: `<prefix>objects/ab/cd/<sha256>`, staged under
 * `<prefix>staging/<uuid>` (multipart for large bodies) and committed by a server-side copy,
 * so the bytes cross the network once and an object only ever appears whole.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly endpoint: string;
  private readonly connectTimeoutMs: number;
  private readonly idleTimeoutMs: number;

  constructor(opts: S3BlobStoreOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? '';
    this.endpoint = opts.endpoint ?? `AWS S3 (${opts.region})`;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
    this.client = new S3Client({
      region: opts.region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle,
      credentials: opts.accessKeyId && opts.secretAccessKey ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey } : undefined,
      // The SDK's default CRC32 trailers are not understood by many S3-compatible servers
      // (s3rver, older MinIO/Ceph); Kura verifies content by SHA-256 itself.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Without these, an endpoint that accepts connections and never answers hangs every
      // caller forever. The idle timeout bounds silence, not the length of a transfer.
      requestHandler: { connectionTimeout: this.connectTimeoutMs, socketTimeout: this.idleTimeoutMs },
      maxAttempts: 2,
    });
    // Outermost (after the SDK's retries): an endpoint that cannot be reached or stays
    // silent is named in the error every caller sees (server start-up, CLI, requests).
    this.client.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (e) {
          throw this.named(e);
        }
      },
      { step: 'initialize', name: 'kuraNameEndpoint' },
    );
  }

  private named(e: unknown): unknown {
    const f = e as { name?: string; code?: string; message?: string };
    if (f?.name === 'TimeoutError') return new Error(`the S3 endpoint ${this.endpoint} did not answer in time (connect ${this.connectTimeoutMs / 1000} s, silence ${this.idleTimeoutMs / 1000} s)`, { cause: e });
    if (f?.code && UNREACHABLE.has(f.code)) return new Error(`cannot reach the S3 endpoint ${this.endpoint}: ${f.code}`, { cause: e });
    return e;
  }



  private objectKey(hash: string): string {
    return `${this.prefix}objects/${blobKey(hash)}`;
  }

  private stagingKey(key: string): string {
    if (!STAGING_KEY.test(key)) throw new KuraError('bad_request', 'not a staging key of the S3 blob store');
    return `${this.prefix}staging/${key}`;
  }

  async init(): Promise<void> {
    const Bucket = this.bucket;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket }));
    } catch (e) {
      if (failure(e).$metadata?.httpStatusCode !== 404) throw e;
      // Another node may create it at the same moment; what counts is that it exists now.
      await this.client.send(new CreateBucketCommand({ Bucket })).catch(async (ce: unknown) => {
        await this.client.send(new HeadBucketCommand({ Bucket })).catch(() => Promise.reject(ce));
      });
    }
    const before = Date.now() - STAGING_TTL_MS;
    const Prefix = `${this.prefix}staging/`;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }));
      for (const o of page.Contents ?? []) {
        if (o.Key && o.LastModified && o.LastModified.getTime() < before) await this.client.send(new DeleteObjectCommand({ Bucket, Key: o.Key }));
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    await this.abortStaleMultipart(Prefix, before);
  }

  /** Parts of multipart uploads cut off by a crash are invisible to listings but billed. */
  private async abortStaleMultipart(Prefix: string, before: number): Promise<void> {
    let page;
    try {
      page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix }));
    } catch (e) {
      // Optional for S3-compatible servers (s3rver has none); a bucket lifecycle rule does it too.
      if (failure(e).name === 'NotImplemented' || failure(e).$metadata?.httpStatusCode === 501) return;
      throw e;
    }
    for (const u of page.Uploads ?? []) {
      if (u.Key && u.UploadId && u.Initiated && u.Initiated.getTime() < before) {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }));
      }
    }
  }

  async stage(source: Readable, opts: StageOptions): Promise<StagedBlob> {
    const key = randomUUID();
    const ingest = new Ingest(opts.maxBytes);
    await this.write(this.stagingKey(key), source, ingest);
    return { ...ingest.result(), key };
  }

  /** Streams `source` through `meter` into a new object (multipart when large); nothing is left on failure. */
  private async write(Key: string, source: Readable, meter: Transform): Promise<void> {
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    const upload = new Upload({ client: this.client, params: { Bucket: this.bucket, Key, Body: body }, partSize: PART, queueSize: QUEUE, leavePartsOnError: false });
    // A failed upload must stop the feed (else it waits on back-pressure forever); a failed
    // feed destroys `body`, which fails the upload's reader and so aborts the multipart
    // upload. upload.abort() is not used: it rejects at once while part or PUT requests
    // are still in flight, and one finishing after the clean-up below would leak.
    const sending = upload.done().catch((e: unknown) => {
      body.destroy(e instanceof Error ? e : new Error(String(e)));
      throw e;
    });
    const [fed, sent] = await Promise.allSettled([feed(source, meter, body), sending]);
    if (fed.status === 'fulfilled' && sent.status === 'fulfilled') return;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })).catch(() => undefined);
    // The feed's reason is the cause (limit, client abort); the upload's is a consequence.
    throw fed.status === 'rejected' ? fed.reason : (sent as PromiseRejectedResult).reason;
  }

  readonly piecesInPlace = false;
  /** A piece is durable once PutObject answered. */
  readonly pieceEpoch = '';

  private pieceObject(session: string, key: string): string {
    return `${this.prefix}uploads/${pieceKey(session, key)}`;
  }

  async putPiece(session: string, _start: number, source: Readable, opts: PieceOptions): Promise<StoredPiece> {
    const key = randomUUID();
    const meter = new PieceMeter(opts.maxBytes);
    await this.write(this.pieceObject(session, key), source, meter);
    return { key, size: meter.size, epoch: this.pieceEpoch };
  }

  async readPiece(session: string, piece: PieceRef, range?: ByteRange): Promise<Readable> {
    return this.get(this.pieceObject(session, piece.key), range, 'upload piece not found');
  }

  async deletePiece(session: string, piece: PieceRef): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.pieceObject(session, piece.key) })).catch((e: unknown) => {
      if (!isMissing(e)) throw e;
    });
  }

  async deletePieces(session: string): Promise<void> {
    const Prefix = `${this.prefix}uploads/${pieceKey(session)}/`;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken }));
      for (const o of page.Contents ?? []) if (o.Key) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: o.Key }));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /** Piece objects are listed in key order, so each session's pieces come together. */
  async *pieceSessions(): AsyncIterable<StoredSession> {
    const Prefix = `${this.prefix}uploads/`;
    let current: StoredSession | undefined;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken }));
      for (const o of page.Contents ?? []) {
        const session = /^([0-9a-f]{32})\//.exec(o.Key?.slice(Prefix.length) ?? '')?.[1];
        if (!session) continue;
        const at = o.LastModified?.getTime() ?? 0;
        if (current?.session === session) current.modifiedAt = Math.max(current.modifiedAt, at);
        else {
          if (current) yield current;
          current = { session, modifiedAt: at };
        }
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    if (current) yield current;
  }

  /** Pieces are separate objects: they are streamed, checked, into one staged object. */
  async assemble(session: string, pieces: PieceRef[], length: number): Promise<StagedBlob> {
    return this.stage(concatPieces(this, session, pieces, length), { maxBytes: length });
  }

  async commit(staged: StagedBlob): Promise<void> {
    const Key = this.objectKey(staged.hash);
    const CopySource = copySource(this.bucket, this.stagingKey(staged.key));
    if (await this.has(staged.hash)) return;
    if (staged.size <= SINGLE_COPY_MAX) {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key, CopySource }));
      return;
    }
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }));
    try {
      const Parts: CompletedPart[] = [];
      for (let start = 0, PartNumber = 1; start < staged.size; start += COPY_PART, PartNumber++) {
        const end = Math.min(staged.size, start + COPY_PART) - 1;
        const r = await this.client.send(
          new UploadPartCopyCommand({ Bucket: this.bucket, Key, UploadId, PartNumber, CopySource, CopySourceRange: `bytes=${start}-${end}` }),
        );
        Parts.push({ PartNumber, ETag: r.CopyPartResult?.ETag });
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId, MultipartUpload: { Parts } }));
    } catch (e) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId })).catch(() => undefined);
      throw e;
    }
  }

  async discard(staged: StagedBlob): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.stagingKey(staged.key) })).catch((e: unknown) => {
      if (!isMissing(e)) throw e;
    });
  }

  async has(hash: string): Promise<boolean> {
    const Key = this.objectKey(hash);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  async read(hash: string, range?: ByteRange): Promise<Readable> {
    return this.get(this.objectKey(hash), range, 'content not found');
  }

  private async get(Key: string, range: ByteRange | undefined, missing: string): Promise<Readable> {
    checkRange(range);
    let r: GetObjectCommandOutput;
    try {
      r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }));
    } catch (e) {
      if (isMissing(e)) throw new KuraError('not_found', missing);
      if (failure(e).name === 'InvalidRange') throw new KuraError('range_not_satisfiable', 'the range starts beyond the content');
      throw e;
    }
    const body = r.Body as Readable;
    return range ? this.honourRange(body, r, range) : body;
  }

  /**
   * Some S3-compatible servers do not honour every range (s3rver answers `bytes=0-0` with
   * the whole object), so the answered range is checked and trimmed to what was asked.
   */
  private honourRange(body: Readable, r: GetObjectCommandOutput, range: ByteRange): Readable {
    const answered = /^bytes (\d+)-(\d+)\//.exec(r.ContentRange ?? '');
    const start = answered ? Number(answered[1]) : 0;
    if (start !== range.start) {
      body.destroy();
      throw new KuraError('internal', `the S3 server answered bytes ${start}- to a request for bytes ${range.start}-`);
    }
    const wanted = range.end - range.start + 1;
    return r.ContentLength !== undefined && r.ContentLength > wanted ? firstBytes(body, wanted) : body;
  }

  async delete(hash: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(checkHash(hash)) })).catch((e: unknown) => {
      if (!isMissing(e)) throw e;
    });
  }

  async *list(): AsyncIterable<StoredBlob> {
    const Prefix = `${this.prefix}objects/`;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken }));
      for (const o of page.Contents ?? []) {
        const name = o.Key?.slice(o.Key.lastIndexOf('/') + 1) ?? '';
        // Only what read() could find: a hash under its own key.
        if (isHash(name) && o.Key === this.objectKey(name)) yield { hash: name, size: Number(o.Size ?? 0), modifiedAt: o.LastModified?.getTime() ?? 0 };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
