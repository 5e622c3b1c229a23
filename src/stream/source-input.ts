/**
 * What a source string names: a video file, a network stream (RTSP, HTTP(S), TCP, UDP, SRT,
 * RTMP) or a V4L2 camera. The kind decides how failures are handled: a file has an end and a
 * broken file is fatal, a network stream or a camera is reopened when it drops.
 */
import { invalidType } from '../errors';

export type SourceKind = 'file' | 'url' | 'device';

export interface SourceInput {
  kind: SourceKind;
  /** What ffmpeg is given after `-i`. */
  input: string;
  /** For logs and events: the input with any password in a URL replaced by `***`. */
  display: string;
}

const URL_SCHEMES = ['rtsp', 'rtsps', 'http', 'https', 'tcp', 'udp', 'srt', 'rtmp', 'rtmps', 'rtp'];

/** Hides the password of `scheme://user:password@host/...` (camera URLs often carry one). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*):[^/@]*@/i, '$1:***@');
}

export function classifySource(source: unknown, name = 'source'): SourceInput {
  if (typeof source !== 'string' || source.trim() === '') throw invalidType('a file path, a stream URL or a /dev/video device', name, source);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(source)?.[1]?.toLowerCase();
  if (scheme && URL_SCHEMES.includes(scheme)) return { kind: 'url', input: source, display: redactUrl(source) };
  if (scheme === 'file') {
    const path = decodeURIComponent(source.slice('file://'.length));
    return { kind: 'file', input: path, display: path };
  }
  if (scheme) throw invalidType(`a URL with one of the schemes ${URL_SCHEMES.join(', ')}`, name, source);
  if (/^\/dev\/video\d+$/.test(source)) return { kind: 'device', input: source, display: source };
  return { kind: 'file', input: source, display: source };
}
