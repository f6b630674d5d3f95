import { Router } from 'express';
import { BackupBody, RestoreBody, ScheduleBody, VerifyBody } from '../backups/schemas.js';
import { BackupService } from '../backups/service.js';
import type { ApiDeps } from '../deps.js';
import type { OpenApiRegistry } from '../openapi.js';
import { route } from '../route.js';
import { parse } from '../validate.js';

// Backups, restores, verification and backup schedules.
export function backupRoutes(deps: ApiDeps, openapi: OpenApiRegistry): Router {
  const router = Router();
  const service = new BackupService(deps);
  const tags = ['backups'];
  route(
    router,
    openapi,
    {
      method: 'post',
      path: '/backups',
      summary: 'Start a backup to zstd Parquet + manifest (directory under the backup root and/or S3)',
      tags,
      body: BackupBody,
    },
    async (req, res) => {
      res.json(await service.backup(parse(BackupBody, req.body, 'body')));
    },
  );
  route(
    router,
    openapi,
    {
      method: 'post',
      path: '/backups/verify',
      summary: 'Verify a backup against its manifest (waits up to wait_seconds; 202 if still running)',
      tags,
      role: 'read', // it only reads the backup
      body: VerifyBody,
    },
    async (req, res) => {
      const { finished, job } = await service.verify(parse(VerifyBody, req.body, 'body'));
      res.status(finished ? 200 : 202).json(job);
    },
  );
  route(
    router,
    openapi,
    { method: 'get', path: '/backups/verify/{id}', summary: 'A verification job', tags },
    async (req, res) => {
      res.json(await service.get('verify', String(req.params.id)));
    },
  );
  route(
    router,
    openapi,
    { method: 'get', path: '/backups/schedules', summary: 'List backup schedules', tags },
    async (_req, res) => {
      res.json({ schedules: await service.listSchedules() });
    },
  );
  route(
    router,
    openapi,
    {
      method: 'post',
      path: '/backups/schedules',
      summary: 'Create a backup schedule (cron or interval, overlap SKIP, retention)',
      tags,
      role: 'admin',
      body: ScheduleBody,
    },
    async (req, res) => {
      res.json(await service.createSchedule(parse(ScheduleBody, req.body, 'body')));
    },
  );
  route(
    router,
    openapi,
    { method: 'get', path: '/backups/schedules/{id}', summary: 'A backup schedule', tags },
    async (req, res) => {
      res.json(await service.describeSchedule(String(req.params.id)));
    },
  );
  route(
    router,
    openapi,
    { method: 'delete', path: '/backups/schedules/{id}', summary: 'Delete a backup schedule', tags, role: 'admin' },
    async (req, res) => {
      await service.deleteSchedule(String(req.params.id));
      res.json({ deleted: String(req.params.id) });
    },
  );
  route(
    router,
    openapi,
    {
      method: 'post',
      path: '/backups/schedules/{id}/trigger',
      summary: 'Run a backup schedule now',
      tags,
      role: 'admin',
    },
    async (req, res) => {
      res.json(await service.triggerSchedule(String(req.params.id)));
    },
  );
  route(
    router,
    openapi,
    { method: 'get', path: '/backups/{id}', summary: 'A backup job: files, rows, progress', tags },
    async (req, res) => {
      res.json(await service.get('backup', String(req.params.id)));
    },
  );
  route(
    router,
    openapi,
    {
      method: 'post',
      path: '/restores',
      summary: 'Start a restore (dry_run, clear_existing, collections)',
      tags,
      role: 'admin',
      body: RestoreBody,
    },
    async (req, res) => {
      res.json(await service.restore(parse(RestoreBody, req.body, 'body')));
    },
  );
  route(
    router,
    openapi,
    { method: 'get', path: '/restores/{id}', summary: 'A restore job: files, rows, verification', tags },
    async (req, res) => {
      res.json(await service.get('restore', String(req.params.id)));
    },
  );
  return router;
}
