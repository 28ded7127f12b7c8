import type { Db } from '../schema.js';

export const derivativeOf = (db: Db, sourceHash: string, spec: string) =>
  db.selectFrom('derivatives').innerJoin('blobs', 'blobs.hash', 'derivatives.blob_hash').select(['derivatives.blob_hash', 'blobs.size', 'blobs.mime']).where('derivatives.source_hash', '=', sourceHash).where('derivatives.spec', '=', spec).executeTakeFirst();

/** Records a derivative; false when another request recorded it first. */
export async function insertDerivative(db: Db, sourceHash: string, spec: string, blobHash: string, at: number): Promise<boolean> {
  const r = await db.insertInto('derivatives').values({ source_hash: sourceHash, spec, blob_hash: blobHash, created_at: at }).onConflict((oc) => oc.columns(['source_hash', 'spec']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Derivatives made from `sourceHash` (GC drops them with their source). */
export const derivativesFrom = (db: Db, sourceHash: string) => db.selectFrom('derivatives').selectAll().where('source_hash', '=', sourceHash).execute();

export const deleteDerivativesFrom = (db: Db, sourceHash: string) => db.deleteFrom('derivatives').where('source_hash', '=', sourceHash).execute();
