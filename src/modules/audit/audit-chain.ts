import { createHash } from 'node:crypto';

/** The `prev_hash` of the first entry ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * One entry as the chain hashes it: every field as the database renders it to text (seq as digits,
 * `at` in UTC with microseconds, details in jsonb's own text form), so Node and PostgreSQL
 * (`audit_entry_hash` in migration 20261207110000) agree byte for byte.
 */
export interface ChainedEntry {
  id: string;
  seq: string | null;
  at: string;
  actorId: string | null;
  actorRole: string | null;
  actorKind: string;
  action: string;
  targetType: string;
  targetId: string;
  regionPath: string;
  details: string;
  requestId: string | null;
  ip: string | null;
  prevHash: string | null;
  hash: string | null;
}

const field = (value: string | null) => (value === null ? '~' : `${Buffer.byteLength(value, 'utf8')}:${value}`);

/** The canonical text of an entry: fixed order, each field length-prefixed, so no two entries share one. */
export function canonicalText(e: ChainedEntry): string {
  const fields = [e.seq, e.at, e.actorId, e.actorRole, e.actorKind, e.action, e.targetType, e.targetId, e.regionPath, e.details, e.requestId, e.ip, e.prevHash];
  return ['shuxiang-audit-v1', ...fields.map(field)].join('|');
}

export function entryHash(e: ChainedEntry): string {
  return createHash('sha256').update(canonicalText(e), 'utf8').digest('hex');
}

export interface ChainPoint {
  seq: number;
  hash: string;
}

export type BreakReason =
  /** The entry's content does not give its stored hash (it was edited). */
  | 'hash_mismatch'
  /** The entry does not point at the hash of the entry before it (entries removed or reordered). */
  | 'link_broken'
  /** A position is missing (an entry was removed). */
  | 'missing'
  /** Entries after the last one present were removed (the head says more were written). */
  | 'truncated'
  /** A committed entry without a position (the chain trigger was bypassed). */
  | 'unchained';

export interface ChainBreak {
  seq: number;
  reason: BreakReason;
}

/**
 * Walks the chain in seq order from the anchor (the last purged entry, or the genesis) and stops at
 * the first broken link. Feed it rows with `next`, then call `end` with the head.
 */
export class ChainWalker {
  private expectedSeq: number;
  private expectedPrev: string;
  checked = 0;
  broken: ChainBreak | null = null;

  constructor(anchor: ChainPoint) {
    this.expectedSeq = anchor.seq + 1;
    this.expectedPrev = anchor.hash;
  }

  /** False once the chain is broken (stop feeding). */
  next(entry: ChainedEntry): boolean {
    if (this.broken) return false;
    const seq = Number(entry.seq);
    if (seq > this.expectedSeq) return this.fail(this.expectedSeq, 'missing');
    if (seq < this.expectedSeq) return this.fail(seq, 'link_broken');
    if (entry.prevHash !== this.expectedPrev) return this.fail(seq, 'link_broken');
    if (entry.hash !== entryHash(entry)) return this.fail(seq, 'hash_mismatch');
    this.checked++;
    this.expectedSeq = seq + 1;
    this.expectedPrev = entry.hash;
    return true;
  }

  /** The head is the last entry written: anything after the last row seen was removed. */
  end(head: ChainPoint): ChainBreak | null {
    if (this.broken) return this.broken;
    if (head.seq >= this.expectedSeq) this.fail(this.expectedSeq, 'truncated');
    else if (head.seq === this.expectedSeq - 1 && head.hash !== this.expectedPrev) this.fail(head.seq, 'hash_mismatch');
    return this.broken;
  }

  private fail(seq: number, reason: BreakReason): false {
    this.broken = { seq, reason };
    return false;
  }
}
