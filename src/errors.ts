/**
 * The one error class of ov-face-reid. Every failure that is not a plain argument
 * mistake carries a stable `code`; the native addon constructs this same class.
 * Argument mistakes are `TypeError`/`RangeError` with Node-style codes
 * (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`).
 */
export type FaceReidErrorCode =
  | 'ADDON_NOT_FOUND'
  | 'RUNTIME_NOT_FOUND'
  | 'RUNTIME_VERSION_UNSUPPORTED'
  | 'RUNTIME_SYMBOL_MISSING'
  | 'RUNTIME_CONFLICT'
  | 'RUNTIME_INSTALL_FAILED'
  | 'ENGINE_UNAVAILABLE'
  | 'CLOSED'
  | 'REQUEST_BUSY'
  | 'INPUT_MISMATCH'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_HASH_MISMATCH'
  | 'MODEL_SIZE_MISMATCH'
  | 'DOWNLOAD_FAILED'
  | 'IMAGE_DECODE_FAILED'
  | 'IMAGE_TOO_LARGE'
  | 'DEGENERATE_LANDMARKS'
  | 'CONFIG_INVALID'
  | 'GALLERY_ERROR'
  | 'GALLERY_BUSY'
  | 'GALLERY_CORRUPT'
  | 'GALLERY_SCHEMA_UNSUPPORTED'
  | 'GALLERY_NOT_FOUND'
  | 'GALLERY_URL_INVALID'
  | 'GALLERY_UNAVAILABLE'
  | 'GALLERY_AUTH_FAILED'
  | 'GALLERY_EXTENSION_MISSING'
  | 'GALLERY_TIMEOUT'
  | 'GALLERY_MODEL_MISMATCH'
  | 'GALLERY_SEARCH_MODE'
  | 'PATH_NOT_FOUND'
  | 'STREAM_SOURCE_FAILED'
  | 'STREAM_DECODER_FAILED'
  | 'STREAM_CLOSED'
  | 'SINK_FAILED'
  | 'SERVICE_ERROR'
  | `OV_${string}`;

export class FaceReidError extends Error {
  readonly code: FaceReidErrorCode;

  constructor(message: string, code: FaceReidErrorCode) {
    super(message);
    this.name = 'FaceReidError';
    this.code = code;
  }
}

/** `Expected <what> for <name> but received <value>`: the one message shape of argument errors. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return value.length > 40 ? `a string of length ${value.length}` : JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<unknown>).length ?? value.byteLength}`;
  if (typeof value === 'function') return 'a function';
  return 'an object';
}

function withCode<E extends Error>(err: E, code: string): E {
  (err as E & { code: string }).code = code;
  return err;
}

export function invalidType(what: string, name: string, value: unknown): TypeError {
  return withCode(new TypeError(`Expected ${what} for ${name} but received ${describeValue(value)}`), 'ERR_INVALID_ARG_TYPE');
}

export function outOfRange(what: string, name: string, value: unknown): RangeError {
  return withCode(new RangeError(`Expected ${what} for ${name} but received ${describeValue(value)}`), 'ERR_OUT_OF_RANGE');
}
