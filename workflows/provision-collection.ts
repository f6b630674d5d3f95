import { proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from '../activities/index.js';
import type { CatalogEntry } from '../stores/port.js';
import { type ProvisionState, provisionStateQuery } from './defs.js';
import { labelJob, setJobStatus } from './job-attributes.js';

const { ensurePhysicalCollection, setBlueModel, describeCollection } = proxyActivities<activities.Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10 },
});

export interface ProvisionCollectionInput {
  collection: string;
  embedding_model_id: string;
  deploy_as_blue?: boolean;
}

/** Creates the physical collection of (collection, model) and optionally makes it blue. */
export async function provisionCollectionWorkflow(input: ProvisionCollectionInput): Promise<CatalogEntry> {
  let status: ProvisionState['status'] = 'processing';
  setHandler(provisionStateQuery, () => ({ status, ...input }));
  labelJob('provision', input.collection, status);
  const ref = { collection: input.collection, model: input.embedding_model_id };
  await ensurePhysicalCollection(ref);
  if (input.deploy_as_blue) await setBlueModel(ref);
  status = 'done';
  setJobStatus(status);
  return describeCollection(input.collection);
}
