import { Router } from 'express';
import type { ApiDeps } from '../deps.js';
import type { OpenApiRegistry } from '../openapi.js';
import { route } from '../route.js';

const CHECK_TIMEOUT_MS = 3000;

async function check(fn: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness (/health) and readiness (/ready: Temporal and the store both answer). */
export function healthRoutes(deps: ApiDeps, openapi: OpenApiRegistry): Router {
  const router = Router();
  route(
    router,
    openapi,
    { method: 'get', path: '/health', prefix: '', summary: 'The API process is up', public: true, tags: ['ops'] },
    (_req, res) => {
      res.json({ status: 'ok' });
    },
  );
  route(
    router,
    openapi,
    {
      method: 'get',
      path: '/ready',
      prefix: '',
      summary: 'Temporal and the store answer',
      public: true,
      tags: ['ops'],
      responses: { 200: 'Ready', 503: 'Not ready' },
    },
    async (_req, res) => {
      const [temporal, store] = await Promise.all([
        check(() => deps.temporal.workflowService.getSystemInfo({})),
        check(async () => (await deps.store.get()).ping()),
      ]);
      const ready = temporal.ok && store.ok;
      const failing = Object.entries({ temporal, store })
        .filter(([, c]) => !c.ok)
        .map(([name]) => name);
      res.status(ready ? 200 : 503).json({
        status: ready ? 'ready' : 'unavailable',
        ...(ready ? {} : { reason: `not answering: ${failing.join(', ')}` }),
        checks: { temporal, store },
      });
    },
  );
  return router;
}
