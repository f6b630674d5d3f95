import { writeFile } from 'node:fs/promises';
import { JobFiles } from '../../core/job-files.js';
import { packVector } from '../../core/vald.js';
import { exportAndDownload, importAndWait, waitForDatasetJob } from '../helpers/datasets.js';
import type { TestStack } from '../helpers/stack.js';
import { REINDEX, startReindex } from '../helpers/reindex.js';
import { seedTextItems } from '../helpers/seed.js';
import { DELETES, UPSERTS, waitForJob, waitForTask } from '../helpers/tasks.js';
import {
  cleanupJobsWorkflow,
  importWorkflow,
  provisionCollectionWorkflow,
  scheduledBackupWorkflow,
  valdRemoveByTimestampWorkflow,
  valdWriteWorkflow,
} from '../../workflows/index.js';
import type { ImportInput } from '../../workflows/datasets/import.js';
import { reindexLockWorkflowId } from '../../workflows/ids.js';

// Workflow runs whose histories are kept in test/histories/ and replayed by test/integration/replay.test.ts,
// so a change that breaks determinism for runs already in flight fails the suite. Record (after
// an intended, versioned change) with `npm run histories:record`.
export interface ReplayScenario {
  name: string;
  /** Runs the scenario to completion and returns the workflow ids whose histories are kept. */
  run(stack: TestStack): Promise<string | string[]>;
}

const vec = (x: number) => Array.from({ length: 384 }, (_, i) => (i === 0 ? x : 0.5));

export const SCENARIOS: ReplayScenario[] = [
  {
    name: 'provision-collection-blue',
    async run(stack) {
      const workflowId = 'replay-provision-collection';
      await stack.client.workflow.execute(provisionCollectionWorkflow, {
        taskQueue: stack.taskQueue,
        workflowId,
        args: [{ collection: 'replayed', embedding_model_id: 'hash-256', deploy_as_blue: true }],
      });
      return workflowId;
    },
  },
  {
    name: 'upsertion-task-partial-failure',
    async run(stack) {
      const items = Array.from({ length: 250 }, (_, i) => ({
        object_id: `r-${i}`,
        payload: i % 50 === 3 ? { n: i } : { title: `replayed item ${i}` },
      }));
      await stack.api(`/api/v1${UPSERTS}/run`, { body: { task_id: 'replay-upsertion', items } });
      await waitForTask(stack, UPSERTS, 'replay-upsertion');
      return 'replay-upsertion';
    },
  },
  {
    name: 'deletion-task',
    async run(stack) {
      await stack.api(`/api/v1${DELETES}/run`, {
        body: { task_id: 'replay-deletion', object_ids: ['r-1', 'r-2', 'missing'] },
      });
      await waitForTask(stack, DELETES, 'replay-deletion');
      return 'replay-deletion';
    },
  },
  {
    name: 'vald-write-local-activity',
    async run(stack) {
      const workflowId = 'replay-vald-insert';
      await stack.client.workflow.execute(valdWriteWorkflow, {
        taskQueue: stack.taskQueue,
        workflowId,
        args: [
          {
            collection: 'items',
            op: 'insert',
            requests: [
              {
                id: 'v-1',
                vector: packVector(vec(1)),
                timestamp: '100',
                timestampGiven: true,
                skipStrictExistCheck: false,
              },
            ],
          },
        ],
      });
      return workflowId;
    },
  },
  {
    name: 'vald-remove-by-timestamp',
    async run(stack) {
      const workflowId = 'replay-vald-rbt';
      await stack.client.workflow.execute(valdRemoveByTimestampWorkflow, {
        taskQueue: stack.taskQueue,
        workflowId,
        args: [{ collection: 'items', conditions: [{ operator: 'le', timestamp: '100' }] }],
      });
      return workflowId;
    },
  },
  {
    name: 'reindex-with-shards-and-lock',
    async run(stack) {
      await seedTextItems(stack.store, { collection: 'categories', model: 'hash-384' }, 400, 'rep');
      await startReindex(stack, {
        task_id: 'replay-reindex',
        collection: 'categories',
        source: { embedding_model_id: 'hash-384' },
        dest: { embedding_model_id: 'hash-256' },
        shards: 2,
        // Pages of 10: each shard runs two copy activities (a progress signal between them).
        page_size: 10,
        deploy_as_blue: true,
        quality_gate: { sample_size: 5, k: 10, min_pass_ratio: 0.5 },
      });
      const done = await waitForTask(stack, REINDEX, 'replay-reindex');
      if (done.status !== 'done') throw new Error(`replay reindex ${done.status}`);
      const lock = reindexLockWorkflowId('categories', stack.taskQueue);
      await stack.client.workflow.getHandle(lock).result();
      return ['replay-reindex', done.children[0], lock];
    },
  },
  {
    name: 'backup-verify-restore-scheduled',
    async run(stack) {
      await seedTextItems(stack.store, { collection: 'categories', model: 'hash-384' }, 250, 'bk');
      await stack.api('/api/v1/backups', {
        body: { backup_id: 'replay-backup', output_dir: 'rep', batch_size: 100, collections: ['categories'] },
      });
      await waitForJob(stack, 'backups', 'replay-backup');
      await stack.api('/api/v1/backups/verify', { body: { verify_id: 'replay-verify', input_dir: 'rep' } });
      await stack.api('/api/v1/restores', {
        body: { restore_id: 'replay-restore', input_dir: 'rep', clear_existing: true },
      });
      await waitForJob(stack, 'restores', 'replay-restore');
      await stack.client.workflow.execute(scheduledBackupWorkflow, {
        taskQueue: stack.taskQueue,
        workflowId: 'replay-scheduled',
        args: [
          {
            base: { dir: 'sched' },
            collections: ['categories'],
            retention: { keep_last: 1 },
            vecflow_version: 'replay',
          },
        ],
      });
      return ['replay-backup', 'replay-verify', 'replay-restore', 'replay-scheduled'];
    },
  },
  {
    name: 'import-export-cleanup',
    async run(stack) {
      const content = [
        '{"id": "a", "values": [1, 2]}',
        '{"id": "b", "values": [1]}',
        'not json',
        '{"id": "a", "values": [3, 4]}',
      ].join('\n');
      const imported = await importAndWait(
        stack,
        'replayed-import',
        { name: 'rows.jsonl', content },
        { batch_size: '2' },
      );
      const retried = await stack.api(`/api/v1/import/${imported.job_id}/retry-failed`, { body: {} });
      await waitForDatasetJob(stack, 'import', retried.body.job_id);
      const { job } = await exportAndDownload(stack, 'replayed-import', {
        format: 'csv',
        filters: '{"category": "none"}',
      });
      const cleanup = 'replay-cleanup';
      await stack.client.workflow.execute(cleanupJobsWorkflow, {
        taskQueue: stack.taskQueue,
        workflowId: cleanup,
        args: [{ max_age_hours: 1000 }],
      });
      return [imported.job_id, retried.body.job_id, job.job_id, cleanup];
    },
  },
  {
    name: 'import-continued-as-new',
    async run(stack) {
      const id = '00000000-0000-4000-8000-00000000c0a1';
      const file = await new JobFiles(stack.config).file('import', id, 'upload.jsonl');
      await writeFile(
        file,
        Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `c${i}`, values: [i, 1] })).join('\n'),
      );
      const input: ImportInput = {
        dataset: 'replayed-can',
        file,
        name: 'upload.jsonl',
        format: 'jsonl',
        batch_size: 5,
        skip_existing: false,
        max_errors: 10,
        started_at: '2026-01-01T00:00:00.000Z',
        chunk_rows: 5,
        chunks_per_run: 2,
      };
      await stack.client.workflow.execute(importWorkflow, {
        taskQueue: stack.taskQueue,
        workflowId: id,
        args: [input],
      });
      return id;
    },
  },
];
