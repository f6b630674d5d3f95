import { PREBUILT_BUNDLE_PATH, writeWorkflowBundle } from './bundle.js';

// `npm run build`, after tsc: bundles the compiled workflows into dist/workflow-bundle.js, which
// a compiled worker loads instead of bundling at every start.
await writeWorkflowBundle(PREBUILT_BUNDLE_PATH);
console.log(`workflow bundle: ${PREBUILT_BUNDLE_PATH}`);
