import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Where vecflow's files are, whether it runs from its TypeScript source (tsx, vitest) or compiled
// into dist/ (`npm run build`, the production image).
const here = path.dirname(fileURLToPath(import.meta.url)); // <project>/core or <project>/dist/core

/** True when this is the compiled build. */
export const COMPILED = import.meta.url.endsWith('.js');

/** The root of the running code: the project itself from source, `<project>/dist` compiled. */
export const CODE_ROOT = path.resolve(here, '..');

/** The project's root (package.json, .tools/, the data dir's default parent). */
export const PROJECT_ROOT = COMPILED ? path.resolve(CODE_ROOT, '..') : CODE_ROOT;

/** node's arguments to run an entry point such as `worker/main`: compiled JS as is, TypeScript through tsx. */
export function entryArgs(entry: string): string[] {
  if (COMPILED) return [path.join(CODE_ROOT, `${entry}.js`)];
  return ['--import', import.meta.resolve('tsx'), path.join(CODE_ROOT, `${entry}.ts`)];
}
