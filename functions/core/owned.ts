import { BATCH_ID, type Batch } from './batch';
import type { BatchStore } from './ports';

/**
 * The batch `id` if `owner` owns it. Someone else's batch is "not found" like a missing one: its
 * existence is not ours to tell. Shared by the API and chat commands.
 */
export async function ownedBatch(store: BatchStore, owner: string, id: string): Promise<Batch | undefined> {
  if (!BATCH_ID.test(id)) return undefined;
  const b = await store.getBatch(id);
  return b && b.owner === owner ? b : undefined;
}

/** Who is asking: an owner name, and whether it may act on every owner's batches. */
export interface Viewer {
  name: string;
  admin?: boolean;
}

/** The batch `id` if `viewer` may see it: its own, or any batch for an admin. */
export async function visibleBatch(store: BatchStore, viewer: Viewer, id: string): Promise<Batch | undefined> {
  if (!viewer.admin) return ownedBatch(store, viewer.name, id);
  if (!BATCH_ID.test(id)) return undefined;
  return store.getBatch(id);
}
