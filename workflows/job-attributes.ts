import { upsertSearchAttributes } from '@temporalio/workflow';
import { COLLECTION, KIND, STATUS } from '../core/search-attributes.js';

/** Labels a job workflow for visibility queries: its kind, collection and current status. */
export function labelJob(kind: string, collection: string, status: string): void {
  upsertSearchAttributes([
    { key: KIND, value: kind },
    { key: COLLECTION, value: collection },
    { key: STATUS, value: status },
  ]);
}

export function setJobStatus(status: string): void {
  upsertSearchAttributes([{ key: STATUS, value: status }]);
}
