import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NotFoundError } from '../core/errors.js';
import { assertKey, joinKey } from './keys.js';
import type { BlobInfo, BlobStore } from './port.js';

export interface S3Settings {
  bucket: string;
  /** Key prefix inside the bucket ('' for the root). */
  prefix: string;
  /** S3-compatible endpoint (SeaweedFS, MinIO); unset for AWS. */
  endpoint?: string;
  region?: string;
}

/**
 * S3 (or SeaweedFS/MinIO) through the AWS SDK. Credentials come from the usual AWS variables
 * and files; `S3_ENDPOINT` points at an S3-compatible server (path-style addressing).
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;

  constructor(readonly settings: S3Settings) {
    this.client = new S3Client({
      region: settings.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
      // A transfer that stops moving for two minutes fails (and is retried) instead of hanging
      // while its activity heartbeats; a slow one that keeps moving goes on.
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000, throwOnRequestTimeout: true },
    });
  }

  private key(key: string): string {
    return joinKey(this.settings.prefix, assertKey(key));
  }

  async put(key: string, file: string): Promise<void> {
    // lib-storage switches to a multipart upload above its part size (5 MB).
    await new Upload({
      client: this.client,
      params: { Bucket: this.settings.bucket, Key: this.key(key), Body: createReadStream(file) },
      queueSize: 4,
    })
      .done()
      .catch((err: unknown) => this.fail(err));
  }

  async get(key: string, file: string): Promise<void> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key(key) }));
      await pipeline(res.Body as Readable, createWriteStream(file));
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey')
        throw new NotFoundError(`no blob ${key} in s3://${this.settings.bucket}/${this.settings.prefix}`);
      throw err;
    }
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    const base = this.settings.prefix ? `${this.settings.prefix.replace(/\/+$/, '')}/` : '';
    const out: BlobInfo[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: base + prefix, ContinuationToken: token }),
      );
      for (const o of res.Contents ?? [])
        out.push({ key: o.Key!.slice(base.length), size: o.Size ?? 0, modified: o.LastModified });
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /**
   * Retrying will not create the bucket or grant the access (S3 answers AccessDenied for a bucket
   * one may not see; SeaweedFS NoSuchBucket for a missing one): the job fails now, saying so.
   */
  private fail(err: unknown): never {
    const name = (err as { name?: string }).name;
    if (name === 'NoSuchBucket' || name === 'AccessDenied')
      throw new NotFoundError(
        `S3 bucket ${JSON.stringify(this.settings.bucket)} does not exist or these credentials may not write to it (${name})`,
      );
    throw err;
  }

  async abortUnfinished(key: string): Promise<number> {
    const full = this.key(key);
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const res = await this.client
        .send(
          new ListMultipartUploadsCommand({
            Bucket: this.settings.bucket,
            Prefix: full,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        )
        .catch((err: unknown) => this.fail(err));
      for (const u of res.Uploads ?? []) {
        if (u.Key !== full) continue; // the prefix also matches longer keys
        await this.client.send(
          new AbortMultipartUploadCommand({ Bucket: this.settings.bucket, Key: full, UploadId: u.UploadId }),
        );
        aborted++;
      }
      [keyMarker, uploadIdMarker] = res.IsTruncated
        ? [res.NextKeyMarker, res.NextUploadIdMarker]
        : [undefined, undefined];
    } while (keyMarker);
    return aborted;
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.settings.bucket,
          Delete: { Objects: batch.map((k) => ({ Key: this.key(k) })), Quiet: true },
        }),
      );
    }
  }
}
