import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalBlobStore } from '../../blobs/local.js';
import { S3BlobStore } from '../../blobs/s3.js';
import { blobConformance } from '../conformance/blob.conformance.js';
import { testS3 } from '../helpers/s3.js';

blobConformance('local directory', async () => ({
  store: new LocalBlobStore(mkdtempSync(path.join(os.tmpdir(), 'vf-blobroot-'))),
  close: async () => undefined,
}));

blobConformance('S3 (SeaweedFS gateway)', async () => {
  const s3 = await testS3('conformance');
  return {
    store: new S3BlobStore({ bucket: 'conformance', prefix: 'some/prefix', endpoint: s3.endpoint }),
    close: s3.stop,
  };
});
