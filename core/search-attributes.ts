import { defineSearchAttributeKey } from '@temporalio/common';

// Search attributes every vecflow workflow sets, so the Temporal UI and
// `temporal workflow list --query "VecflowKind='upsertion' AND VecflowStatus='failed'"` filter jobs.
// Workflow-safe (no Node imports).
export const KIND = defineSearchAttributeKey('VecflowKind', 'KEYWORD');
export const COLLECTION = defineSearchAttributeKey('VecflowCollection', 'KEYWORD');
export const STATUS = defineSearchAttributeKey('VecflowStatus', 'KEYWORD');

export const SEARCH_ATTRIBUTES = [KIND, COLLECTION, STATUS];
