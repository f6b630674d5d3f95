import { collectionActivities } from './collections.js';
import { type ActivityContext, classified } from './context.js';

export type { ActivityContext } from './context.js';

/** Every activity of the worker, bound to its context. */
export function createActivities(ctx: ActivityContext) {
  return classified({
    ...collectionActivities(ctx),
  });
}

export type Activities = ReturnType<typeof createActivities>;
