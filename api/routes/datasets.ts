import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { CleanupBody, ExportBody, RetryBody, importFields } from '../datasets/schemas.js';
import { DatasetService } from '../datasets/service.js';
import type { ApiDeps } from '../deps.js';
import type { OpenApiRegistry } from '../openapi.js';
import { route } from '../route.js';
import { parse } from '../validate.js';

// Bulk import/export of datasets (the seed's API) and the cleanup of finished jobs.
/**
 * Streams a file as the response. A client that closes the connection as soon as it has every
 * byte (curl does) ends the response before 'finish': not a failure of ours to log.
 */
async function sendFile(file: string, res: import('express').Response): Promise<void> {
  // Reads of 1 MiB, not 64 KiB: fewer, larger writes to the socket for exports of hundreds of MB.
  await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), res).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  });
}

export function datasetRoutes(deps: ApiDeps, openapi: OpenApiRegistry): Router {
  const router = Router();
  const service = new DatasetService(deps);
  const tags = ['import/export'];
  route(
    router,
    openapi,
    {
      method: 'post',
      path: '/datasets/{dataset_id}/import',
      summary:
        'Start an import: multipart "file", format (csv|json|jsonl|parquet, detected when absent), batch_size, skip_existing, embedding_model_id',
      tags,
      multipart: importFields(deps.config.env.VECFLOW_IMPORT_MAX_BATCH),
      responses: { 200: 'the job', 400: 'bad field or no file', 413: 'larger than VECFLOW_UPLOAD_LIMIT' },
    },
    async (req, res) => {
      res.json(await service.startImport(req, String(req.params.dataset_id)));
    },
  );
  route(
    router,
    openapi,
    { method: 'get', path: '/import/{job_id}', summary: 'An import job: counts, capped errors, progress', tags },
    async (req, res) => {
      res.json(await service.getImport(String(req.params.job_id)));
    },
  );
  route(
    router,
    openapi,
    {
      method: 'get',
      path: '/import/{job_id}/failed-rows',
      summary: "Download an import's dead-letter file (JSONL of {row|line, error, data})",
      tags,
    },
    async (req, res) => {
      const file = await service.deadLetter(String(req.params.job_id));
      res.attachment(`failed-rows-${req.params.job_id}.jsonl`).type('application/x-ndjson');
      await sendFile(file, res);
    },
  );
  route(
    router,
    openapi,
    {
      method: 'post',
      path: '/import/{job_id}/retry-failed',
      summary: "Import a finished job's failed rows again, as a new job",
      tags,
      body: RetryBody,
    },
    async (req, res) => {
      res.json(await service.retryFailed(String(req.params.job_id), req.body));
    },
  );
  route(
    router,
    openapi,
    {
      method: 'post',
      path: '/datasets/{dataset_id}/export',
      summary: 'Start an export: format, limit, filters (JSON string or object; metadata keys by name)',
      tags,
      role: 'read', // it copies data out, changing nothing
      body: ExportBody,
    },
    async (req, res) => {
      res.json(await service.startExport(String(req.params.dataset_id), parse(ExportBody, req.body, 'body')));
    },
  );
  route(
    router,
    openapi,
    {
      method: 'get',
      path: '/export/{job_id}',
      summary: 'An export job: counts, progress, download_url, file_size',
      tags,
    },
    async (req, res) => {
      res.json(await service.getExport(String(req.params.job_id)));
    },
  );
  route(
    router,
    openapi,
    { method: 'get', path: '/export/{job_id}/download', summary: "Download a finished export's file", tags },
    async (req, res) => {
      const f = await service.exportFile(String(req.params.job_id));
      res.attachment(f.name).type(f.contentType).set('content-length', String(f.size));
      await sendFile(f.file, res);
    },
  );
  route(
    router,
    openapi,
    {
      method: 'post',
      path: '/admin/cleanup-jobs',
      summary: 'Remove finished import/export jobs (records and files) older than max_age_hours',
      tags: ['admin'],
      role: 'admin',
      body: CleanupBody,
    },
    async (req, res) => {
      res.json(await service.cleanup(parse(CleanupBody, req.body, 'body').max_age_hours));
    },
  );
  return router;
}
