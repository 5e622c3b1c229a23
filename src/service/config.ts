/**
 * The service's configuration: defaults, then a JSON file (`face-reid serve --config FILE`), then
 * environment variables, then flags. The file holds the library's configuration (docs/config.md)
 * with one more key, `service`, for what only the HTTP service needs; the library part goes to
 * FacePipeline unchanged.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { FaceReidError } from '../errors';
import { validateConfig, type FaceReidConfig } from '../config';

export interface ServiceLimits {
  /** Largest request body in bytes (JSON, raw image or multipart file). Default 10 MiB. */
  bodyBytes: number;
  /** Largest image in pixels, checked from the header before decoding. Default 40 000 000. */
  maxPixels: number;
  /** Whole-request deadline (receiving the body included). Default 30 s. */
  requestTimeoutMs: number;
  /** Images decoded and run through the models at once. Default 2. */
  inferenceConcurrency: number;
  /** Requests allowed to wait for inference; more are answered 503. Default 32. */
  queueDepth: number;
  /** Requests per minute per API key unless the key sets its own. Default 600. */
  rateLimitPerMinute: number;
}

export interface ServiceConfig {
  host: string;
  port: number;
  /** Gallery file (SQLite) or postgres:// URL. */
  gallery: string;
  /** PEM file paths; both or neither. */
  tls?: { cert: string; key: string };
  /** Origins allowed by CORS; absent or empty: CORS off. */
  corsOrigins: string[];
  /** 'required' (default): every API route needs a key. 'off': no keys at all (loopback testing only). */
  auth: 'required' | 'off';
  /** How long a verified key is trusted before the store is asked again (revocations land within this). */
  keyCacheMs: number;
  limits: ServiceLimits;
  /** Cosine similarity for identification (Unknown below); default: the library's thresholds.match or its default. */
  matchThreshold?: number;
  /** Cosine similarity for verification; default: thresholds.verify or 0.271 (docs/accuracy.md). */
  verifyThreshold?: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Written into sightings as `node`. */
  node: string;
  /** Camera streams by name: a file, stream URL or /dev/video device each, started over the API. */
  streams: Record<string, { source: string; detectEvery?: number }>;
  /** Start every configured stream with the service. Default false. */
  startStreams: boolean;
  /** The library's configuration for the pipeline (models, devices, thresholds). */
  pipeline: FaceReidConfig;
}

export const DEFAULT_LIMITS: ServiceLimits = {
  bodyBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  requestTimeoutMs: 30_000,
  inferenceConcurrency: 2,
  queueDepth: 32,
  rateLimitPerMinute: 600,
};

function fail(where: string, message: string): never {
  throw new FaceReidError(`Invalid service configuration at ${where}: ${message}`, 'CONFIG_INVALID');
}

function positiveInt(value: unknown, where: string, max = Number.MAX_SAFE_INTEGER, min = 1): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) fail(where, `expected a whole number in [${min}, ${max}], received ${JSON.stringify(value)}`);
  return n;
}

function nonEmpty(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') fail(where, `expected a non-empty string, received ${JSON.stringify(value)}`);
  return value;
}

function similarity(value: unknown, where: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !(n >= -1 && n <= 1)) fail(where, `expected a number in [-1, 1], received ${JSON.stringify(value)}`);
  return n;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const SERVICE_KEYS = ['host', 'port', 'gallery', 'tls', 'corsOrigins', 'auth', 'keyCacheMs', 'limits', 'matchThreshold', 'verifyThreshold', 'logLevel', 'node', 'streams', 'startStreams'];

/** Partial service settings as a file, the environment or flags give them. */
export type ServiceSettings = Partial<Omit<ServiceConfig, 'limits' | 'pipeline'>> & { limits?: Partial<ServiceLimits> };

function checkSettings(raw: unknown, where: string): ServiceSettings {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(where, 'expected an object');
  const s = raw as Record<string, unknown>;
  for (const key of Object.keys(s)) if (!SERVICE_KEYS.includes(key)) fail(`${where}.${key}`, `unknown key; known keys: ${SERVICE_KEYS.join(', ')}`);
  const out: ServiceSettings = {};
  if (s.host !== undefined) out.host = nonEmpty(s.host, `${where}.host`);
  // 0: any free port (the URL is logged).
  if (s.port !== undefined) out.port = positiveInt(s.port, `${where}.port`, 65535, 0);
  if (s.gallery !== undefined) out.gallery = nonEmpty(s.gallery, `${where}.gallery`);
  if (s.tls !== undefined) {
    const tls = s.tls as Record<string, unknown> | null;
    if (tls === null || typeof tls !== 'object') fail(`${where}.tls`, 'expected { cert, key }');
    out.tls = { cert: nonEmpty(tls.cert, `${where}.tls.cert`), key: nonEmpty(tls.key, `${where}.tls.key`) };
  }
  if (s.corsOrigins !== undefined) {
    if (!Array.isArray(s.corsOrigins)) fail(`${where}.corsOrigins`, 'expected an array of origins');
    out.corsOrigins = s.corsOrigins.map((o, i) => nonEmpty(o, `${where}.corsOrigins[${i}]`));
  }
  if (s.auth !== undefined) {
    if (s.auth !== 'required' && s.auth !== 'off') fail(`${where}.auth`, `expected "required" or "off", received ${JSON.stringify(s.auth)}`);
    out.auth = s.auth;
  }
  if (s.keyCacheMs !== undefined) out.keyCacheMs = positiveInt(s.keyCacheMs, `${where}.keyCacheMs`);
  if (s.matchThreshold !== undefined) out.matchThreshold = similarity(s.matchThreshold, `${where}.matchThreshold`);
  if (s.verifyThreshold !== undefined) out.verifyThreshold = similarity(s.verifyThreshold, `${where}.verifyThreshold`);
  if (s.logLevel !== undefined) {
    if (!LOG_LEVELS.includes(s.logLevel as never)) fail(`${where}.logLevel`, `expected one of ${LOG_LEVELS.join(', ')}`);
    out.logLevel = s.logLevel as ServiceConfig['logLevel'];
  }
  if (s.node !== undefined) out.node = nonEmpty(s.node, `${where}.node`);
  if (s.streams !== undefined) {
    if (s.streams === null || typeof s.streams !== 'object' || Array.isArray(s.streams)) fail(`${where}.streams`, 'expected { name: source or { source, detectEvery } }');
    out.streams = {};
    for (const [name, def] of Object.entries(s.streams as Record<string, unknown>)) {
      if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name)) fail(`${where}.streams.${name}`, 'a stream name is 1 to 100 letters, digits, ".", "_" or "-"');
      const d = typeof def === 'string' ? { source: def } : (def as Record<string, unknown> | null);
      if (d === null || typeof d !== 'object') fail(`${where}.streams.${name}`, 'expected a source string or { source, detectEvery }');
      for (const k of Object.keys(d)) if (k !== 'source' && k !== 'detectEvery') fail(`${where}.streams.${name}.${k}`, 'unknown key; known keys: source, detectEvery');
      out.streams[name] = {
        source: nonEmpty(d.source, `${where}.streams.${name}.source`),
        ...(d.detectEvery !== undefined ? { detectEvery: positiveInt(d.detectEvery, `${where}.streams.${name}.detectEvery`, 1000) } : {}),
      };
    }
  }
  if (s.startStreams !== undefined) {
    if (typeof s.startStreams !== 'boolean') fail(`${where}.startStreams`, 'expected true or false');
    out.startStreams = s.startStreams;
  }
  if (s.limits !== undefined) {
    const l = s.limits as Record<string, unknown> | null;
    if (l === null || typeof l !== 'object') fail(`${where}.limits`, 'expected an object');
    const known = Object.keys(DEFAULT_LIMITS);
    out.limits = {};
    for (const [k, v] of Object.entries(l)) {
      if (!known.includes(k)) fail(`${where}.limits.${k}`, `unknown key; known keys: ${known.join(', ')}`);
      out.limits[k as keyof ServiceLimits] = positiveInt(v, `${where}.limits.${k}`);
    }
  }
  return out;
}

/** FACE_REID_HOST, _PORT, _GALLERY, _TLS_CERT + _TLS_KEY, _CORS_ORIGINS (comma-separated), _AUTH, _LOG_LEVEL. */
function settingsFromEnv(env: NodeJS.ProcessEnv): ServiceSettings {
  const raw: Record<string, unknown> = {};
  if (env.FACE_REID_HOST) raw.host = env.FACE_REID_HOST;
  if (env.FACE_REID_PORT) raw.port = env.FACE_REID_PORT;
  if (env.FACE_REID_GALLERY) raw.gallery = env.FACE_REID_GALLERY;
  if (env.FACE_REID_TLS_CERT || env.FACE_REID_TLS_KEY) raw.tls = { cert: env.FACE_REID_TLS_CERT, key: env.FACE_REID_TLS_KEY };
  if (env.FACE_REID_CORS_ORIGINS) raw.corsOrigins = env.FACE_REID_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  if (env.FACE_REID_AUTH) raw.auth = env.FACE_REID_AUTH;
  if (env.FACE_REID_LOG_LEVEL) raw.logLevel = env.FACE_REID_LOG_LEVEL;
  return checkSettings(raw, 'environment');
}

function merge(base: ServiceSettings, over: ServiceSettings): ServiceSettings {
  return { ...base, ...over, limits: { ...base.limits, ...over.limits } };
}

/**
 * The effective service configuration. `file`: the JSON configuration (library keys plus
 * `service`); `flags`: what the command line set. The gallery must come from one of them.
 */
export function loadServiceConfig(options: { file?: string; flags?: { [K in keyof ServiceSettings]?: unknown }; env?: NodeJS.ProcessEnv } = {}): ServiceConfig {
  const env = options.env ?? process.env;
  let pipeline: FaceReidConfig = {};
  let fromFile: ServiceSettings = {};
  if (options.file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(options.file, 'utf8'));
    } catch (err) {
      throw new FaceReidError(`Cannot read the configuration file ${options.file}: ${(err as Error).message}`, 'CONFIG_INVALID');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) fail(options.file, 'expected a JSON object');
    const { service, ...library } = parsed as Record<string, unknown>;
    pipeline = validateConfig(library, options.file);
    if (service !== undefined) fromFile = checkSettings(service, `${options.file}: service`);
  }
  const flags = options.flags ? checkSettings(stripUndefined(options.flags as object), 'flags') : {};
  const s = merge(merge(fromFile, settingsFromEnv(env)), flags);
  if (!s.gallery) fail('gallery', 'no gallery: give --gallery FILE|URL, FACE_REID_GALLERY or service.gallery');
  return {
    host: s.host ?? '127.0.0.1',
    port: s.port ?? 8080,
    gallery: s.gallery,
    tls: s.tls,
    corsOrigins: s.corsOrigins ?? [],
    auth: s.auth ?? 'required',
    keyCacheMs: s.keyCacheMs ?? 30_000,
    limits: { ...DEFAULT_LIMITS, ...s.limits },
    matchThreshold: s.matchThreshold,
    verifyThreshold: s.verifyThreshold,
    logLevel: s.logLevel ?? 'info',
    node: s.node ?? hostname(),
    streams: s.streams ?? {},
    startStreams: s.startStreams ?? false,
    pipeline,
  };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A complete configuration from partial settings (for `createServer` in tests and embedding). */
export function serviceConfig(settings: ServiceSettings & { gallery?: string; pipeline?: FaceReidConfig } = {}): ServiceConfig {
  const { pipeline, ...rest } = settings;
  const checked = checkSettings(stripUndefined(rest), 'config');
  return {
    host: checked.host ?? '127.0.0.1',
    port: checked.port ?? 8080,
    gallery: checked.gallery ?? '(given)',
    tls: checked.tls,
    corsOrigins: checked.corsOrigins ?? [],
    auth: checked.auth ?? 'required',
    keyCacheMs: checked.keyCacheMs ?? 30_000,
    limits: { ...DEFAULT_LIMITS, ...checked.limits },
    matchThreshold: checked.matchThreshold,
    verifyThreshold: checked.verifyThreshold,
    logLevel: checked.logLevel ?? 'info',
    node: checked.node ?? hostname(),
    streams: checked.streams ?? {},
    startStreams: checked.startStreams ?? false,
    pipeline: pipeline ?? {},
  };
}
