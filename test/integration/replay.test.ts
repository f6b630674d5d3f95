import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/temporal.js';
import { SCENARIOS } from '../replay/scenarios.js';

const DIR = path.join(import.meta.dirname, '..', 'histories');

describe('workflow determinism (replay of recorded histories)', () => {
  it('has a recorded history for every scenario', async () => {
    const files = await readdir(DIR);
    for (const s of SCENARIOS) {
      assert.ok(
        files.some((f) => f === `${s.name}.json` || f.startsWith(`${s.name}.`)),
        `missing test/histories/${s.name}.json: run npm run histories:record ${s.name}`,
      );
    }
  });

  it('replays every recorded history against the current workflow code', async () => {
    const files = (await readdir(DIR)).filter((f) => f.endsWith('.json'));
    const histories = await Promise.all(
      files.map(async (f) => {
        const saved = JSON.parse(await readFile(path.join(DIR, f), 'utf8'));
        return { workflowId: saved.workflowId, history: historyFromJSON(saved.history) };
      }),
    );
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      assert.equal(result.error, undefined, `${result.workflowId}: ${result.error?.message}`);
      assert.ok(result.workflowId, 'each history names its workflow id');
      replayed++;
    }
    assert.equal(replayed, files.length);
  });
});
