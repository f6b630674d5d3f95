import type { VectorStore } from './port.js';

/**
 * Opens a store on first use and again after a failed open, so a process (the API) can start
 * before its store is reachable and recover once it is.
 */
export class LazyStore {
  private opening: Promise<VectorStore> | null = null;

  constructor(private readonly open: () => Promise<VectorStore>) {}

  get(): Promise<VectorStore> {
    if (!this.opening) {
      this.opening = this.open().catch((err) => {
        this.opening = null;
        throw err;
      });
    }
    return this.opening;
  }

  async close(): Promise<void> {
    const pending = this.opening;
    this.opening = null;
    if (pending) await (await pending.catch(() => null))?.close();
  }
}
