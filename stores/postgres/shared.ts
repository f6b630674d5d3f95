import { existsSync } from 'node:fs';
import path from 'node:path';
import { BULK_SOCKET } from './bulk-service.js';
import { EMBEDDED_SOCKET_PORT } from './embedded.js';

/** Waits for the store process to serve both its sockets (it may start after the workers). */
export async function waitForSharedStore(socketDir: string, timeoutMs: number): Promise<void> {
  const files = [`.s.PGSQL.${EMBEDDED_SOCKET_PORT}`, BULK_SOCKET].map((f) => path.join(socketDir, f));
  const deadline = Date.now() + timeoutMs;
  while (!files.every((f) => existsSync(f))) {
    if (Date.now() > deadline) {
      throw new Error(
        `no store process serves ${socketDir} (VECFLOW_EMBEDDED_STORE=shared): start it with \`vecflow store\`, or let \`npm start\` do so (VECFLOW_WORKERS > 1)`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
