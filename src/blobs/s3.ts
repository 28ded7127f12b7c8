import { randomUUID } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCopyCommand,
  CreateMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  AbortMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { KuraConfig } from '../config.js';
import { KuraError, isKuraError } from '../core/errors.js';
import type { BlobStore, ByteRange, StagedBlob, StageOptions, StoredBlob } from '../core/ports.js';
import { Ingest } from './ingest.js';
import { blobKey, checkHash, isHash } from './locator.js';

const PART = 8 * 1024 * 1024;
const COPY_PART = 512 * 1024 * 1024;
const SINGLE_COPY_MAX = 5 * 1024 ** 3;

const isMissing = (e: unknown) => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
};

/**
 * Blobs in an S3-compatible bucket: `<prefix>objects/ab/cd/<sha256>`, staged under
 * `<prefix>staging/<uuid>` (multipart for large bodies) and committed by a server-side copy.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(cfg: KuraConfig['s3'] & { prefix?: string }) {
    this.bucket = cfg.bucket;
    this.prefix = cfg.prefix ?? '';
    this.client = new S3Client({
      region: cfg.region,
      endpoint: cfg.endpoint,
      forcePathStyle: cfg.forcePathStyle,
      credentials: cfg.accessKeyId && cfg.secretAccessKey ? { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } : undefined,
      // Checksums only where S3 requires them: compatible servers differ in support.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private objectKey(hash: string): string {
    return `${this.prefix}objects/${blobKey(hash)}`;
  }

  private stagingKey(key: string): string {
    return `${this.prefix}staging/${key}`;
  }

  async init(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      if (!isMissing(e)) throw e;
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
    // Staging objects older than a day belong to uploads that will never finish.
    const before = Date.now() - 86400e3;
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}staging/`, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (o.Key && o.LastModified && o.LastModified.getTime() < before) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: o.Key }));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async stage(source: Readable, opts: StageOptions): Promise<StagedBlob> {
    const key = randomUUID();
    const ingest = new Ingest(opts.maxBytes);
    const body = new PassThrough({ highWaterMark: PART });
    const upload = new Upload({ client: this.client, params: { Bucket: this.bucket, Key: this.stagingKey(key), Body: body }, partSize: PART, queueSize: 4, leavePartsOnError: false });
    const feeding = pipeline(source, ingest, body);
    try {
      await Promise.all([feeding, upload.done()]);
    } catch (e) {
      body.destroy();
      await upload.abort().catch(() => undefined);
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.stagingKey(key) })).catch(() => undefined);
      // The size limit, a client abort: report the cause, not the S3 consequence.
      const cause = await feeding.then(() => undefined, (fe: unknown) => fe);
      throw isKuraError(cause) ? cause : isKuraError(e) ? e : (cause ?? e);
    }
    return { ...ingest.result(), key };
  }

  async commit(staged: StagedBlob): Promise<void> {
    if (await this.has(staged.hash)) return;
    const source = `${this.bucket}/${this.stagingKey(staged.key)}`;
    const Key = this.objectKey(staged.hash);
    if (staged.size <= SINGLE_COPY_MAX) {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key, CopySource: source }));
      return;
    }
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }));
    try {
      const parts = [];
      for (let start = 0, n = 1; start < staged.size; start += COPY_PART, n++) {
        const end = Math.min(staged.size, start + COPY_PART) - 1;
        const r = await this.client.send(new UploadPartCopyCommand({ Bucket: this.bucket, Key, UploadId, PartNumber: n, CopySource: source, CopySourceRange: `bytes=${start}-${end}` }));
        parts.push({ PartNumber: n, ETag: r.CopyPartResult?.ETag });
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId })).catch(() => undefined);
      throw e;
    }
  }

  async discard(staged: StagedBlob): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.stagingKey(staged.key) })).catch((e) => {
      if (!isMissing(e)) throw e;
    });
  }

  async has(hash: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(hash) }));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  async read(hash: string, range?: ByteRange): Promise<Readable> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(hash), Range: range ? `bytes=${range.start}-${range.end}` : undefined }));
      return r.Body as Readable;
    } catch (e) {
      if (isMissing(e)) throw new KuraError('not_found', 'content not found');
      throw e;
    }
  }

  async delete(hash: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(checkHash(hash)) })).catch((e) => {
      if (!isMissing(e)) throw e;
    });
  }

  async *list(): AsyncIterable<StoredBlob> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}objects/`, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        const name = o.Key?.slice(o.Key.lastIndexOf('/') + 1) ?? '';
        if (isHash(name)) yield { hash: name, size: Number(o.Size ?? 0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
