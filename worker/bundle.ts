import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, type Logger, bundleWorkflowCode } from '@temporalio/worker';

// The workflow code as the worker's sandbox runs it. A compiled build (`npm run build`) ships it
// prebuilt next to the compiled worker, so a production worker starts without bundling. Run from
// source (tsx), the bundle is cached under node_modules/.cache/vecflow, keyed by the content of
// every source file and the lockfile: bundling costs ~10 s of CPU, and while a worker bundles,
// its event loop (which also serves the embedded database) answers slowly.
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

/** Top-level folders of sources: those with a .ts file of their own (tests and benchmarks are never bundled). */
async function sourceFolders(root: string): Promise<string[]> {
  const skip = new Set(['node_modules', 'test', 'bench', 'dist', 'scripts']);
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.') || skip.has(e.name)) continue;
    const entries = await readdir(path.join(root, e.name)).catch(() => [] as string[]);
    if (entries.some((n) => n.endsWith('.ts'))) out.push(e.name);
  }
  return out.sort();
}

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(full);
    else if (e.name.endsWith('.ts')) yield full;
  }
}

/** A digest of everything a bundle is made of: the sources, and the installed packages (the lockfile). */
export async function sourceDigest(root: string): Promise<string> {
  const hash = createHash('sha256');
  for (const folder of await sourceFolders(root))
    for await (const file of tsFiles(path.join(root, folder)))
      hash
        .update(path.relative(root, file))
        .update('\0')
        .update(await readFile(file))
        .update('\0');
  hash.update(await readFile(path.join(root, 'package-lock.json')).catch(() => Buffer.alloc(0)));
  return hash.digest('hex').slice(0, 24);
}

/**
 * From source: the bundle of these sources, from the cache or built into it (written under a
 * temporary name and renamed, so concurrent workers never read half a file). Null when the cache
 * cannot be written; the caller then lets the worker bundle by itself.
 */
export async function cachedWorkflowBundle(logger?: Logger): Promise<{ codePath: string } | null> {
  if (OWN_EXT !== '.ts') return null; // a compiled build has its prebuilt bundle
  const root = path.dirname(path.dirname(WORKFLOWS_PATH));
  const dir = path.join(root, 'node_modules', '.cache', 'vecflow');
  try {
    const file = path.join(dir, `workflow-bundle-${await sourceDigest(root)}.js`);
    if (existsSync(file)) return { codePath: file };
    await mkdir(dir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, await buildWorkflowBundle(logger));
    await rename(temporary, file);
    // Bundles of other sources: kept a day (another checkout may share node_modules), then removed.
    for (const name of await readdir(dir)) {
      const other = path.join(dir, name);
      const s = name.startsWith('workflow-bundle-') && other !== file ? await stat(other).catch(() => null) : null;
      if (s && Date.now() - s.mtimeMs > 86_400_000) await rm(other, { force: true });
    }
    return { codePath: file };
  } catch {
    return null;
  }
}
