import { stat } from 'node:fs/promises';
import bytes from 'bytes';
import { ValidationError, VecflowError, errorMessage } from '../../core/errors.js';
import { JobFiles } from '../../core/job-files.js';
import { assertName } from '../../core/names.js';
import type { PhysicalSpec } from '../../core/types.js';
import { detectFormat } from '../../datafiles/readers.js';
import { type SourceFormat, type SourcePlan, planSource } from '../../datafiles/sources.js';
import { type ActivityContext, keepAlive } from '../context.js';

export interface PrepareImportInput {
  jobId: string;
  dataset: string;
  /** The uploaded file, under the job's directory. */
  file: string;
  /** The uploaded file's own name, for format detection. */
  name: string;
  format: SourceFormat | null;
  embeddingModelId?: string;
  /** A retry reads a dead-letter file whose rows keep the original numbering. */
  indexName?: 'row' | 'line';
}

export interface PreparedImport {
  plan: SourcePlan;
  target: PhysicalSpec;
  /** The target's model is a configured embedder: rows may give `content` instead of `values`. */
  embeds: boolean;
  created: boolean;
  /** Size of the uploaded file. */
  bytes: number;
}

/**
 * The dataset to import into: its blue model when it exists; otherwise it is created with the
 * requested model, else a configured collection's model, else a configured model of the file's
 * dimension, else an external model named after the dimension (as restore does).
 */
async function resolveTarget(
  ctx: ActivityContext,
  dataset: string,
  dimension: number | null,
  requested?: string,
): Promise<{ target: PhysicalSpec; created: boolean }> {
  const [entry] = await ctx.store.catalog(dataset);
  const blue = entry?.models.find((m) => m.model === entry.blue);
  if (blue) {
    if (requested && requested !== blue.model)
      throw new ValidationError(`dataset ${dataset} uses model ${blue.model}, not ${requested}`, {
        field: 'embedding_model_id',
      });
    return {
      target: { collection: dataset, model: blue.model, dimension: blue.dimension, distance: blue.distance },
      created: false,
    };
  }
  const configured = ctx.config.collections.find((c) => c.name === dataset)?.blue_model;
  const model =
    requested ??
    configured ??
    (dimension !== null ? ctx.config.models.find((m) => m.dimension === dimension)?.id : undefined) ??
    (dimension !== null ? `external-${dimension}` : null);
  if (!model)
    throw new ValidationError(
      'no row has a vector (values) and no embedding_model_id was given: the dataset cannot be created',
    );
  assertName('model', model);
  const embedder = ctx.embedders.has(model) ? ctx.embedders.get(model) : null;
  const dim = embedder?.dimension ?? dimension;
  if (dim === null)
    throw new ValidationError(`no row has a vector (values) and ${model} is not a configured model`, {
      field: 'embedding_model_id',
    });
  if (embedder && dimension !== null && embedder.dimension !== dimension) {
    throw new ValidationError(
      `model ${model} makes ${embedder.dimension}-dimensional vectors, the file's first row has ${dimension}`,
      { field: 'embedding_model_id' },
    );
  }
  const target: PhysicalSpec = { collection: dataset, model, dimension: dim, distance: embedder?.distance ?? 'cosine' };
  await ctx.store.ensureCollection(target);
  if ((await ctx.store.getBlue(dataset)) === null) await ctx.store.setBlue(target);
  return { target, created: true };
}

export function prepareImportActivities(ctx: ActivityContext) {
  const files = new JobFiles(ctx.config);
  return {
    /** Plans the file (rows, duplicates, dimension) and makes sure the dataset exists. */
    prepareImport: (input: PrepareImportInput): Promise<PreparedImport> =>
      keepAlive(async () => {
        assertName('collection', input.dataset);
        const workDir = files.dir('import', input.jobId);
        // The upload as this worker sees it (fetched from the shared job storage if need be).
        const upload = await files.localize(input.file, true);
        let plan: SourcePlan;
        let format: SourceFormat = input.format ?? 'jsonl';
        try {
          format = input.format ?? (await detectFormat(upload, input.name));
          plan = await planSource(upload, format, workDir, {
            maxRows: ctx.config.env.VECFLOW_IMPORT_MAX_ROWS,
            maxDecodedBytes: 2 * bytes.parse(ctx.config.env.VECFLOW_UPLOAD_LIMIT)!,
          });
        } catch (err) {
          if (err instanceof VecflowError) throw err;
          // The parser's own message: broken quoting, not JSON, not Parquet, missing file…
          throw new ValidationError(`the file cannot be read as ${format}: ${errorMessage(err)}`);
        }
        if (input.indexName) plan.indexName = input.indexName;
        // What the chunks read, for workers that did not plan it.
        if (plan.file !== upload) await files.publish(plan.file);
        if (plan.duplicatesFile) await files.publish(plan.duplicatesFile);
        const { target, created } = await resolveTarget(ctx, input.dataset, plan.dimension, input.embeddingModelId);
        return { plan, target, embeds: ctx.embedders.has(target.model), created, bytes: (await stat(upload)).size };
      }),
  };
}
