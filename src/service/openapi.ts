/**
 * The OpenAPI 3.1 document, built from the routes' own JSON Schemas as they are registered, so
 * the document cannot drift from what the service validates and sends. Served at /openapi.json,
 * with a small self-contained page at /docs that lists it (no external scripts).
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { comprefaceErrorSchema, deepstackErrorSchema, errorSchema } from './schemas';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The request body as the OpenAPI document describes it (multipart, raw image, JSON). */
    docsBody?: object;
    /** Leave the route out of the document. */
    hidden?: boolean;
  }
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
  }
}

interface Collected {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  config: { scope?: string; docsBody?: object; errorFormat?: 'compreface' | 'deepstack' };
}

type JsonSchema = { properties?: Record<string, { description?: string } & Record<string, unknown>>; required?: string[] };

const ERROR_STATUSES: Record<string, string> = {
  '400': 'Invalid request (the body names the field)',
  '401': 'Missing or invalid API key',
  '403': 'The key\'s scope does not allow this route',
  '404': 'No such identity, sample or route',
  '413': 'Body or image too large',
  '415': 'Unsupported content type or image format',
  '429': 'Rate limit of the key reached (Retry-After)',
  '503': 'Inference queue full, timeout, or gallery unavailable (Retry-After)',
};

function parameters(schema: JsonSchema | undefined, where: 'query' | 'path'): object[] {
  if (!schema?.properties) return [];
  return Object.entries(schema.properties).map(([name, s]) => {
    const { description, ...rest } = s;
    return { name, in: where, required: where === 'path' || (schema.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest };
  });
}

// The compatibility layers answer errors in their own project's shape (server.ts errorBody), so
// their routes document that shape: a client generated from the document must be able to read them.
const ERROR_REFS = { ours: '#/components/schemas/Error', compreface: '#/components/schemas/CompreFaceError', deepstack: '#/components/schemas/DeepStackError' };

function responses(schema: Record<string, unknown> | undefined, secured: boolean, errorRef: string): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [status, s] of Object.entries(schema ?? {})) {
    const code = status.replace('xx', 'XX');
    out[code] = { description: code.startsWith('2') ? 'Success' : 'See the body', content: { 'application/json': { schema: s } } };
  }
  if (Object.keys(out).length === 0) out['200'] = { description: 'Success' };
  for (const [status, description] of Object.entries(ERROR_STATUSES)) {
    if (out[status]) continue;
    if (!secured && ['401', '403', '429'].includes(status)) continue;
    out[status] = { description, content: { 'application/json': { schema: { $ref: errorRef } } } };
  }
  return out;
}

export class OpenApiCollector {
  readonly #routes: Collected[] = [];

  /** Must be called before the routes are registered. */
  attach(app: FastifyInstance): void {
    app.addHook('onRoute', (route: RouteOptions) => {
      const config = (route.config ?? {}) as Collected['config'] & { hidden?: boolean };
      if (config.hidden || !route.schema) return;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (method === 'HEAD') continue;
        this.#routes.push({ method: method.toLowerCase(), url: route.url, schema: route.schema as Record<string, unknown>, config });
      }
    });
  }

  document(info: { title: string; version: string; description: string }): object {
    const paths: Record<string, Record<string, object>> = {};
    for (const r of this.#routes) {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const s = r.schema;
      const op: Record<string, unknown> = {
        summary: s.summary,
        tags: s.tags,
        parameters: [...parameters(s.params as JsonSchema, 'path'), ...parameters(s.querystring as JsonSchema, 'query')],
        responses: responses(s.response as Record<string, unknown>, r.config.scope !== undefined, ERROR_REFS[r.config.errorFormat ?? 'ours']),
      };
      if (r.config.docsBody) op.requestBody = r.config.docsBody;
      else if (s.body) op.requestBody = (s.body as { content?: object }).content ? s.body : { required: true, content: { 'application/json': { schema: s.body } } };
      if (r.config.scope) op.security = [{ apiKey: [] }];
      if (r.config.scope) op.description = `Needs an API key with scope "${r.config.scope}" or wider.`;
      (paths[path] ??= {})[r.method] = op;
    }
    return {
      openapi: '3.1.0',
      info,
      paths,
      components: {
        securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
        schemas: { Error: errorSchema, CompreFaceError: comprefaceErrorSchema, DeepStackError: deepstackErrorSchema },
      },
    };
  }
}

/** The /docs page: renders /openapi.json in the browser with a few lines of inline script. */
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>face-reid service API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
.op{border:1px solid #ddd;border-radius:6px;margin:.6rem 0;padding:.5rem .8rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}
.get{color:#0a7}.post{color:#05c}.delete{color:#c30}.put{color:#a60}
code{background:#f4f4f4;padding:0 .25rem;border-radius:3px}
details pre{background:#f8f8f8;padding:.5rem;overflow:auto;font-size:12px}
table{border-collapse:collapse}td{padding:.1rem .6rem .1rem 0;vertical-align:top}
</style></head><body>
<h1>face-reid service API</h1>
<p>The machine-readable document: <a href="openapi.json"><code>/openapi.json</code></a> (OpenAPI 3.1). Keys go in the <code>x-api-key</code> header.</p>
<div id="ops">Loading…</div>
<script>
fetch('openapi.json').then(r => r.json()).then(doc => {
  const root = document.getElementById('ops'); root.textContent = '';
  const byTag = {};
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
    const tag = (op.tags && op.tags[0]) || 'other'; (byTag[tag] = byTag[tag] || []).push([path, method, op]);
  }
  for (const [tag, ops] of Object.entries(byTag)) {
    const h = document.createElement('h2'); h.textContent = tag; root.appendChild(h);
    for (const [path, method, op] of ops) {
      const d = document.createElement('div'); d.className = 'op';
      const head = document.createElement('div');
      const m = document.createElement('span'); m.className = 'm ' + method; m.textContent = method;
      const p = document.createElement('code'); p.textContent = path;
      head.append(m, p, document.createTextNode(' ' + (op.summary || '')));
      d.appendChild(head);
      if (op.description) { const s = document.createElement('div'); s.textContent = op.description; d.appendChild(s); }
      if (op.parameters && op.parameters.length) {
        const t = document.createElement('table');
        for (const prm of op.parameters) {
          const tr = t.insertRow();
          tr.insertCell().textContent = prm.name + (prm.required ? ' *' : '');
          tr.insertCell().textContent = prm.in + ', ' + (prm.schema.type || '') + (prm.description ? ' - ' + prm.description : '');
        }
        d.appendChild(t);
      }
      const det = document.createElement('details'); const sum = document.createElement('summary'); sum.textContent = 'schemas';
      const pre = document.createElement('pre'); pre.textContent = JSON.stringify({ requestBody: op.requestBody, responses: op.responses }, null, 2);
      det.append(sum, pre); d.appendChild(det); root.appendChild(d);
    }
  }
}).catch(e => { document.getElementById('ops').textContent = 'Cannot load openapi.json: ' + e; });
</script></body></html>
`;
