/**
 * The options of `Gallery.open`, validated once: wrong types and values are TypeError/RangeError
 * in the one message shape, and an unknown key is a TypeError naming the key it was probably
 * meant to be (the suggestion src/config.ts makes), because a silently ignored `busyTimeout` or
 * `readOnly` changes behaviour without a word.
 */
import { hostname } from 'node:os';
import { invalidType, outOfRange } from '../errors';
import { closestKey } from '../util/suggest';
import type { EmbeddingModelKey, SearchMode, StoreOpenOptions } from './backend';
import type { KernelKind } from './kernel';
import { validateModelKey } from './model';

export interface GalleryOptions {
  /** Open for reading only: writes are refused (SQLite: the file must exist). */
  readonly?: boolean;
  /** SQLite: how long a write waits for another connection's write lock. Default 10 s. */
  busyTimeoutMs?: number;
  /** 'js' forces the JavaScript matching loop instead of WebAssembly SIMD (for comparison). */
  kernel?: KernelKind;
  /**
   * The embedding model of the vectors this caller adds and queries (`<model>/<precision>`). A
   * new gallery is created for it (default face-reidentification-retail-0095/FP16); an existing
   * gallery of another model refuses to open (GALLERY_MODEL_MISMATCH).
   */
  model?: EmbeddingModelKey;
  /** 'local' (default): match on the in-memory matrix; 'database': pgvector search (PostgreSQL only). */
  search?: SearchMode;
  /** PostgreSQL: hnsw.ef_search for database search. */
  efSearch?: number;
  /** PostgreSQL: the outbox file for writes made while the database is unreachable, or false for none. */
  outbox?: string | false;
  /** The name written into sightings that name no node. Default: the host name. */
  node?: string;
  /** PostgreSQL: how long to wait for a connection. */
  connectTimeoutMs?: number;
  /** PostgreSQL: how long one statement may run. */
  statementTimeoutMs?: number;
}

const KNOWN: (keyof GalleryOptions)[] = [
  'readonly',
  'busyTimeoutMs',
  'kernel',
  'model',
  'search',
  'efSearch',
  'outbox',
  'node',
  'connectTimeoutMs',
  'statementTimeoutMs',
];

function timeout(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw invalidType('a number of milliseconds', name, value);
  if (!Number.isInteger(value) || value < 0) throw outOfRange('a non-negative integer (milliseconds)', name, value);
  return value;
}

export function resolveOptions(options: unknown): StoreOpenOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidType('an options object', 'options', options);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(KNOWN as string[]).includes(key)) {
      const near = closestKey(key, KNOWN);
      throw invalidType(near ? `a known option (did you mean "${near}"?)` : `one of the options ${KNOWN.join(', ')}`, `options.${key}`, o[key]);
    }
  }
  if (o.readonly !== undefined && typeof o.readonly !== 'boolean') throw invalidType('true or false', 'options.readonly', o.readonly);
  const kernel = o.kernel ?? 'simd';
  if (kernel !== 'simd' && kernel !== 'js') throw outOfRange('"simd" or "js"', 'options.kernel', kernel);
  const search = o.search ?? 'local';
  if (search !== 'local' && search !== 'database') throw outOfRange('"local" or "database"', 'options.search', search);
  if (o.efSearch !== undefined) {
    if (typeof o.efSearch !== 'number') throw invalidType('a number', 'options.efSearch', o.efSearch);
    // pgvector's own bounds for hnsw.ef_search.
    if (!Number.isInteger(o.efSearch) || o.efSearch < 1 || o.efSearch > 1000) throw outOfRange('an integer from 1 to 1000', 'options.efSearch', o.efSearch);
  }
  if (o.outbox !== undefined && o.outbox !== false && (typeof o.outbox !== 'string' || o.outbox === '')) {
    throw invalidType('a file path or false', 'options.outbox', o.outbox);
  }
  if (o.node !== undefined && (typeof o.node !== 'string' || o.node.trim() === '')) throw invalidType('a non-empty string', 'options.node', o.node);
  return {
    readonly: o.readonly === true,
    busyTimeoutMs: timeout(o.busyTimeoutMs, 'options.busyTimeoutMs') ?? 10_000,
    kernel,
    model: o.model === undefined ? undefined : validateModelKey(o.model, 'options.model'),
    search,
    efSearch: o.efSearch as number | undefined,
    outbox: o.outbox as string | false | undefined,
    node: (o.node as string | undefined) ?? hostname(),
    connectTimeoutMs: timeout(o.connectTimeoutMs, 'options.connectTimeoutMs'),
    statementTimeoutMs: timeout(o.statementTimeoutMs, 'options.statementTimeoutMs'),
  };
}
