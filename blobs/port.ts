// The blob-storage port: where backups and large files live besides local disk. Keys are
// relative, '/'-separated paths; every adapter confines them to its root.
export interface BlobInfo {
  key: string;
  size: number;
  /** When the store says (S3's LastModified). */
  modified?: Date;
}

export interface BlobStore {
  readonly kind: 'local' | 's3';
  /** Uploads a local file (multipart when large). */
  put(key: string, file: string): Promise<void>;
  /** Downloads to a local file; NotFoundError when the key does not exist. */
  get(key: string, file: string): Promise<void>;
  /** Every blob whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<BlobInfo[]>;
  /** Deletes the keys; missing keys are not an error. */
  delete(keys: string[]): Promise<void>;
  /**
   * Abandons uploads of `key` that were started and never finished (a worker killed mid-upload
   * leaves S3 multipart parts behind, billed and invisible to listings); how many there were.
   */
  abortUnfinished(key: string): Promise<number>;
}
