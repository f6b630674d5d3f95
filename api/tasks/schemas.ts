import { z } from 'zod';
import { nameSchema } from '../../core/names.js';
import { jobId } from '../validate.js';

// Request bodies of the Embedding Studio task routes. Items are checked loosely here (shape);
// each item is validated in its batch so one bad item fails alone and is reported.
export const MAX_TASK_ITEMS = 100_000;
const taskId = jobId(1000, 'task ids are at most 1000 characters');

const common = {
  task_id: taskId.optional(),
  id: taskId.optional(),
  collection: nameSchema().optional(),
};

export const UpsertionBody = z.object({
  ...common,
  items: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_TASK_ITEMS),
});

export const DeletionBody = z.object({
  ...common,
  object_ids: z.array(z.unknown()).min(1).max(MAX_TASK_ITEMS),
});

export const ListQuery = z.object({
  status: z.enum(['pending', 'processing', 'done', 'failed', 'canceled', 'refused']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
