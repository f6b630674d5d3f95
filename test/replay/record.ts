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
    const ids = [await scenario.run(stack)].flat();
    for (const [i, workflowId] of ids.entries()) {
      const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
      const file = path.join(
        import.meta.dirname,
        '..',
        'histories',
        `${scenario.name}${ids.length > 1 ? `.${i}` : ''}.json`,
      );
      // The workflow id is kept with the history: workflows derive child ids from it.
      await writeFile(file, JSON.stringify({ workflowId, history: JSON.parse(historyToJSON(history)) }));
      console.log(`recorded ${scenario.name} → ${path.relative(process.cwd(), file)}`);
    }
  }
} finally {
  await stack.stop();
}
