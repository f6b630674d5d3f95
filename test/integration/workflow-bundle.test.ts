import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../worker/bundle.js';

describe('workflow bundle', () => {
  it('bundles for the sandbox without Node-only modules', async () => {
    // The bundler refuses disallowed modules (fs, crypto, net…) imported from workflow code.
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
    assert.ok(code.includes('provisionCollectionWorkflow'));
    for (const mod of ['node:fs', 'node:crypto', '"pg"', 'pglite']) assert.ok(!code.includes(`require("${mod}")`), mod);
  });
});
