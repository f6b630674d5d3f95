import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { startStack } from '../helpers/stack.js';
import { SCENARIOS } from './scenarios.js';

// `npm run histories:record [name…]`: runs the replay scenarios against a real stack and saves
// each history as test/histories/<name>.json.
const only = process.argv.slice(2);
const stack = await startStack();
try {
  for (const scenario of SCENARIOS.filter((s) => only.length === 0 || only.includes(s.name))) {
    const workflowId = await scenario.run(stack);
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    const file = path.join(import.meta.dirname, '..', 'histories', `${scenario.name}.json`);
    await writeFile(file, historyToJSON(history));
    console.log(`recorded ${scenario.name} → ${path.relative(process.cwd(), file)}`);
  }
} finally {
  await stack.stop();
}
