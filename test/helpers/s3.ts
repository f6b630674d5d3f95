import { ensureBucket, startSeaweed } from '../../devstack/seaweed.js';
import { provided } from './servers.js';

// S3 for tests: the SeaweedFS gateway the run's globalSetup started, or (outside vitest) one of our own.
// SeaweedFS runs without authentication here; the SDK still signs, so any key pair will do.
export async function testS3(
  bucket: string,
): Promise<{ endpoint: string; env: Record<string, string>; stop(): Promise<void> }> {
  const shared = await provided('s3Endpoint');
  const own = shared ? null : await startSeaweed();
  const endpoint = shared ?? own!.endpoint;
  await ensureBucket(endpoint, bucket);
  const env = {
    S3_ENDPOINT: endpoint,
    AWS_ACCESS_KEY_ID: 'vecflow-test',
    AWS_SECRET_ACCESS_KEY: 'vecflow-test',
    AWS_REGION: 'us-east-1',
  };
  Object.assign(process.env, env);
  return { endpoint, env, stop: async () => own?.stop() };
}
