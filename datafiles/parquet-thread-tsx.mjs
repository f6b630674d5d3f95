// Starts parquet-thread.ts from the TypeScript sources (tsx, vitest): the thread registers tsx's
// loader itself (a worker does not take it from its parent). The built JS starts parquet-thread.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./parquet-thread.ts');
