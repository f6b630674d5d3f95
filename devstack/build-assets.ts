import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CODE_ROOT, PROJECT_ROOT } from '../core/paths.js';
import { PREBUILT_BUNDLE_PATH, writeWorkflowBundle } from '../worker/bundle.js';

// `npm run build`, after tsc (run as dist/devstack/build-assets.js): what a compiled build needs
// besides JavaScript — the workflow bundle (a compiled worker loads it instead of bundling at
// every start) and the data files the code reads next to itself.
const ASSETS = ['api/grpc/grpc-api.protoset'];

await writeWorkflowBundle(PREBUILT_BUNDLE_PATH);
console.log(`workflow bundle: ${PREBUILT_BUNDLE_PATH}`);
for (const asset of ASSETS) {
  const to = path.join(CODE_ROOT, asset);
  await mkdir(path.dirname(to), { recursive: true });
  await copyFile(path.join(PROJECT_ROOT, asset), to);
  console.log(`asset: ${to}`);
}
