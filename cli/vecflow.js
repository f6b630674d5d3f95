#!/usr/bin/env node
// The `vecflow` bin. In a development checkout (tsx installed) it runs the TypeScript source
// through tsx's loader, so it is never stale; in a production install (`npm ci --omit=dev`, the
// image) it runs the compiled CLI from dist/ (`npm run build`).
import { existsSync } from 'node:fs';

let register = null;
try {
  ({ register } = await import('tsx/esm/api'));
} catch {
  // no tsx: production
}
if (register) {
  register();
  await import('./main.ts');
} else {
  const compiled = new URL('../dist/cli/main.js', import.meta.url);
  if (!existsSync(compiled)) {
    console.error('vecflow: no compiled CLI (dist/cli/main.js) and no tsx to run the source: run `npm run build`');
    process.exit(1);
  }
  await import(compiled.href);
}
