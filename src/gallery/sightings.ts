/**
 * Validation of the sightings log's entries and queries. Times are stored as ISO 8601 UTC with
 * milliseconds (Date#toISOString) on every backend, so text order is time order and a query
 * bound compares the same way everywhere.
 */
import { invalidType, outOfRange } from '../errors';
import type { Sighting, SightingBox, SightingQuery } from './backend';

/** A sighting as callers write it: `at` defaults to now, `node` to the gallery's node name. */
export interface SightingInput {
  at?: string | Date;
  node?: string;
  source: string;
  label: string;
  similarity: number;
  box?: SightingBox;
  track?: string;
}

const ISO_8601 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;

/** An ISO 8601 time with a zone, or a valid Date, as ISO 8601 UTC. */
export function toIsoTime(value: unknown, name: string): string {
  const what = 'an ISO 8601 time with a zone (e.g. 2026-01-31T12:00:00Z) or a Date';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw outOfRange(what, name, 'an invalid Date');
    return value.toISOString();
  }
  if (typeof value !== 'string') throw invalidType(what, name, value);
  const ms = Date.parse(value);
  if (!ISO_8601.test(value) || Number.isNaN(ms)) throw outOfRange(what, name, value);
  return new Date(ms).toISOString();
}

function nonEmpty(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidType('a non-empty string', name, value);
  return value;
}

function finite(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidType('a number', name, value);
  if (!Number.isFinite(value)) throw outOfRange('a finite number', name, value);
  return value;
}

function validateBox(value: unknown, name: string): SightingBox {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidType('{ x, y, width, height }', name, value);
  const b = value as Record<string, unknown>;
  const box = { x: finite(b.x, `${name}.x`), y: finite(b.y, `${name}.y`), width: finite(b.width, `${name}.width`), height: finite(b.height, `${name}.height`) };
  if (box.width < 0) throw outOfRange('a non-negative number', `${name}.width`, box.width);
  if (box.height < 0) throw outOfRange('a non-negative number', `${name}.height`, box.height);
  return box;
}

export function validateSighting(value: unknown, name: string, defaultNode: string, now: Date): Sighting {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidType('a sighting object', name, value);
  const s = value as Record<string, unknown>;
  const out: Sighting = {
    at: s.at === undefined ? now.toISOString() : toIsoTime(s.at, `${name}.at`),
    node: s.node === undefined ? defaultNode : nonEmpty(s.node, `${name}.node`),
    source: nonEmpty(s.source, `${name}.source`),
    label: nonEmpty(s.label, `${name}.label`),
    similarity: finite(s.similarity, `${name}.similarity`),
  };
  if (s.box !== undefined) out.box = validateBox(s.box, `${name}.box`);
  if (s.track !== undefined) out.track = nonEmpty(s.track, `${name}.track`);
  return out;
}

export function validateSightingQuery(value: unknown): SightingQuery {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidType('a query object', 'query', value);
  const q = value as Record<string, unknown>;
  const out: SightingQuery = {};
  if (q.label !== undefined) out.label = nonEmpty(q.label, 'query.label');
  if (q.source !== undefined) out.source = nonEmpty(q.source, 'query.source');
  if (q.from !== undefined) out.from = toIsoTime(q.from, 'query.from');
  if (q.to !== undefined) out.to = toIsoTime(q.to, 'query.to');
  const limit = q.limit ?? 1000;
  if (typeof limit !== 'number') throw invalidType('a number', 'query.limit', limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw outOfRange('an integer from 1 to 100000', 'query.limit', limit);
  out.limit = limit;
  return out;
}

/** The cutoff of `prune({ olderThanDays })`: sightings before it are deleted. */
export function pruneCutoff(value: unknown, now: Date): Date {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidType('{ olderThanDays }', 'options', value);
  const days = (value as { olderThanDays?: unknown }).olderThanDays;
  if (typeof days !== 'number') throw invalidType('a number of days', 'options.olderThanDays', days);
  if (!Number.isFinite(days) || days < 0) throw outOfRange('a non-negative number of days', 'options.olderThanDays', days);
  return new Date(now.getTime() - days * 86_400_000);
}
