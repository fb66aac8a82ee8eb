/**
 * The dashboard's "recent" index (gsi3) is keyed by a UTC day and a shard, so that
 * writes spread over RECENT_SHARDS partitions instead of one hot partition, and each
 * partition only ever holds one day. Changing RECENT_SHARDS later would hide the
 * items of existing days from readers: it is part of the data format.
 */
export const RECENT_SHARDS = 8;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** UTC day of an epoch-ms time, e.g. "2025-11-25". */
export function recentBucket(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** A stable shard per transfer: the ULID's last (random) character, modulo the shard count. */
export function recentShard(transferId: string): number {
  return transferId.charCodeAt(transferId.length - 1) % RECENT_SHARDS;
}
