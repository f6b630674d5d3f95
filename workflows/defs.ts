import { defineQuery } from '@temporalio/workflow';

// Signals, queries and updates of every vecflow workflow, in one place.

/** Every job workflow answers this query with its current public state. */
export const stateQuery = defineQuery<unknown>('state');
