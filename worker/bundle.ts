import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, type Logger, bundleWorkflowCode } from '@temporalio/worker';

// The workflow code as the worker's sandbox runs it. A compiled build (`npm run build`) ships it
// prebuilt next to the compiled worker, so a production worker starts without bundling; run from
// source (tsx), the worker bundles `workflows/index.ts` at start.
const OWN_EXT = path.extname(fileURLToPath(import.meta.url)); // '.ts' from source, '.js' compiled
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index${OWN_EXT}`, import.meta.url));
/** The workflow interceptors (job counting), bundled with the workflows. */
export const INTERCEPTORS_PATH = fileURLToPath(new URL(`../workflows/interceptors${OWN_EXT}`, import.meta.url));
/** Where `npm run build` writes the bundle: `dist/workflow-bundle.js`. */
export const PREBUILT_BUNDLE_PATH = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

export async function buildWorkflowBundle(logger: Logger = new DefaultLogger('WARN')): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: [INTERCEPTORS_PATH],
    logger,
  });
  return code;
}

export async function writeWorkflowBundle(file: string, logger?: Logger): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, await buildWorkflowBundle(logger));
}

/** The prebuilt bundle of a compiled build, or null when running from source. */
export function prebuiltBundle(): { codePath: string } | null {
  return OWN_EXT === '.js' && existsSync(PREBUILT_BUNDLE_PATH) ? { codePath: PREBUILT_BUNDLE_PATH } : null;
}
