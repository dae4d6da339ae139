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
/**
 * The large certified tensors, apart: most of the audit's bytes (whole weight matrices of claims that print no
 * value), which only the audit's JSON shows, so a run never reads them.
 */
const CERTIFIED_CACHE = 'audit-certified.v8';
/** A certified tensor this large is kept as its bytes in CERTIFIED_CACHE. */
const PACK_FROM = 64;

interface Entry {
  key: string;
  /** The audits, each large certified tensor left null here and kept in CERTIFIED_CACHE. */
  audits: ClaimAudit[];
  /** The indices of the audits whose certified tensor is in CERTIFIED_CACHE. */
  packed: number[];
}

/** CERTIFIED_CACHE holds its key's line, then these serialized: the large certified tensors, by audit index. */
type Certified = Map<number, { shape: number[]; data: Float64Array }>;

/**
 * auditSuite, read from the cache when it holds this suite's audit by this code, else computed (the audit's
 * modules are loaded only then) and cached.
 */
export async function auditSuiteCached(suite: Suite): Promise<ClaimAudit[]> {
  const key = sha256(codeId(), 'audit', suite.hash);
  const hit = readEntry(key);
  // the tensors' bytes are read now, to know they are there, and deserialized only if one is asked for
  const tensors = hit && readCached(CERTIFIED_CACHE);
  const header = Buffer.from(`${key}\n`);
  if (hit && tensors?.subarray(0, header.length).equals(header)) return unpacked(hit, tensors.subarray(header.length));
  const audits = (await import('./verdict.js')).auditSuite(suite);
  const { entry, certified } = packedEntry(key, audits);
  writeCached(CERTIFIED_CACHE, Buffer.concat([header, serialize(certified)]));
  writeCached(AUDIT_CACHE, serialize(entry));
  return audits;
}

function readEntry(key: string): Entry | null {
  try {
    const c = deserialize(readCached(AUDIT_CACHE) ?? Buffer.alloc(0)) as Partial<Entry>;
    return c.key === key && Array.isArray(c.audits) && Array.isArray(c.packed) ? (c as Entry) : null;
  } catch {
    return null; // none yet, or damaged: recomputed
  }
}

function packedEntry(key: string, audits: ClaimAudit[]): { entry: Entry; certified: Certified } {
  const tensors: Certified = new Map();
  const kept = audits.map((a, i) => {
    if (!Array.isArray(a.certified)) return a;
    let t: ReturnType<typeof fromNested>;
    try {
      t = fromNested(a.certified as Nested);
    } catch {
      return a; // not one rectangular tensor (a list of alternatives): kept as it is
    }
    if (t.data.length < PACK_FROM) return a;
    tensors.set(i, { shape: t.shape, data: t.data });
    return { ...a, certified: null };
  });
  return { entry: { key, audits: kept, packed: [...tensors.keys()] }, certified: tensors };
}

/** The audits as computed: a packed certified tensor is turned back into nested lists when first asked for. */
function unpacked({ audits, packed }: Entry, bytes: Buffer): ClaimAudit[] {
  let certified: Certified | undefined;
  for (const i of packed) {
    let value: Nested | undefined;
    Object.defineProperty(audits[i], 'certified', {
      enumerable: true,
      configurable: true,
      get: () => {
        certified ??= deserialize(bytes) as Certified;
        return (value ??= toNested(certified.get(i)!));
      },
      set: (v: Nested) => {
        value = v;
      },
    });
  }
  return audits;
}
