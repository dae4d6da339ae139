// The documents' audit through the cache (harness/cache.ts). The audit is a function of the suite's bytes (its
// hash covers every fixture and golden file) and of the code alone, so a run on unchanged fixtures reads it
// instead of recomputing its 40-digit arithmetic. One entry: the last suite audited.
import { deserialize, serialize } from 'node:v8';
import { codeId, readCached, sha256, writeCached } from '../cache.js';
import type { Suite } from '../fixtures/suite.js';
import { fromNested, toNested } from '../fixtures/tensors.js';
import type { Nested } from '../fixtures/scenario.js';
import type { ClaimAudit } from './verdict.js';

const AUDIT_CACHE = 'audit.v8';
/** A certified tensor this large is kept as its bytes (most of the audit's size: whole weight matrices). */
const PACK_FROM = 64;

interface Entry {
  key: string;
  /** The audits, each large certified tensor left null here and kept in `packed` by index. */
  audits: ClaimAudit[];
  packed: Map<number, { shape: number[]; data: Float64Array }>;
}

/**
 * auditSuite, read from the cache when it holds this suite's audit by this code, else computed (the audit's
 * modules are loaded only then) and cached.
 */
export async function auditSuiteCached(suite: Suite): Promise<ClaimAudit[]> {
  const key = sha256(codeId(), 'audit', suite.hash);
  const hit = readEntry(key);
  if (hit) return unpacked(hit);
  const audits = (await import('./verdict.js')).auditSuite(suite);
  writeCached(AUDIT_CACHE, serialize(packedEntry(key, audits)));
  return audits;
}

function readEntry(key: string): Entry | null {
  try {
    const c = deserialize(readCached(AUDIT_CACHE) ?? Buffer.alloc(0)) as Partial<Entry>;
    return c.key === key && Array.isArray(c.audits) && c.packed instanceof Map ? (c as Entry) : null;
  } catch {
    return null; // none yet, or damaged: recomputed
  }
}

function packedEntry(key: string, audits: ClaimAudit[]): Entry {
  const packed: Entry['packed'] = new Map();
  const kept = audits.map((a, i) => {
    if (!Array.isArray(a.certified)) return a;
    let t: ReturnType<typeof fromNested>;
    try {
      t = fromNested(a.certified as Nested);
    } catch {
      return a; // not one rectangular tensor (a list of alternatives): kept as it is
    }
    if (t.data.length < PACK_FROM) return a;
    packed.set(i, { shape: t.shape, data: t.data });
    return { ...a, certified: null };
  });
  return { key, audits: kept, packed };
}

/** The audits as computed: a packed certified tensor is turned back into nested lists when first read. */
function unpacked({ audits, packed }: Entry): ClaimAudit[] {
  for (const [i, t] of packed) {
    let value: Nested | undefined;
    Object.defineProperty(audits[i], 'certified', {
      enumerable: true,
      configurable: true,
      get: () => (value ??= toNested(t)),
      set: (v: Nested) => {
        value = v;
      },
    });
  }
  return audits;
}
