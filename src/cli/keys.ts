/**
 * `face-reid keys create|list|revoke`: the service's API keys, kept (as salted scrypt hashes) in
 * the gallery database. A new key is printed once and cannot be shown again.
 */
import { Gallery } from '../gallery';
import { createApiKey, isScope, SCOPES } from '../service/auth';
import { loadServiceConfig } from '../service/config';
import { parse } from './common';

export const summary = 'Create, list or revoke the API keys of the HTTP service';

const usage = `Usage:
  face-reid keys create --scope recognize|manage|admin [--name NAME] [--rate-limit PER_MINUTE] --gallery FILE|URL
  face-reid keys list [--json] --gallery FILE|URL
  face-reid keys revoke <id> --gallery FILE|URL

The gallery may also come from --config FILE (service.gallery) or FACE_REID_GALLERY.
Scopes nest: admin > manage (enrol, remove, sightings) > recognize (analyze, identify, verify, list).`;

function fail(message: string): number {
  console.error(`face-reid keys: ${message}\n\n${usage}`);
  return 2;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    gallery: { type: 'string' },
    config: { type: 'string' },
    scope: { type: 'string' },
    name: { type: 'string' },
    'rate-limit': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const [sub, ...rest] = positionals;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') return fail(sub ? `unknown subcommand "${sub}"` : 'missing subcommand');
  let scope: (typeof SCOPES)[number] | undefined;
  let rateLimit: number | null = null;
  if (sub === 'create') {
    if (!isScope(values.scope)) return fail(`--scope must be one of ${SCOPES.join(', ')}`);
    scope = values.scope;
    if (values['rate-limit'] !== undefined) {
      rateLimit = Number(values['rate-limit']);
      if (!Number.isInteger(rateLimit) || rateLimit < 1) return fail('--rate-limit must be a whole number of requests per minute');
    }
  }
  if (sub === 'revoke' && rest.length !== 1) return fail('revoke needs exactly one key id');
  if (sub !== 'revoke' && rest.length > 0) return fail(`unexpected argument ${rest[0]}`);
  const { gallery: location } = loadServiceConfig({ file: values.config, flags: { gallery: values.gallery } });

  const gallery = await Gallery.open(location);
  try {
    if (sub === 'create') {
      const { key, record } = await createApiKey({ name: values.name ?? `${scope}-key`, scope: scope!, rateLimit });
      await gallery.keys.create(record);
      if (values.json) console.log(JSON.stringify({ key, id: record.id, name: record.name, scope: record.scope, rateLimit: record.rateLimit }));
      else {
        console.log(key);
        console.error(`key ${record.id} ("${record.name}", scope ${record.scope}) created; it is shown only now, store it safely`);
      }
      return 0;
    }
    if (sub === 'list') {
      const keys = await gallery.keys.list();
      const shown = keys.map(({ id, name, scope: s, rateLimit: r, created, revoked }) => ({ id, name, scope: s, rateLimit: r, created, revoked }));
      if (values.json) console.log(JSON.stringify(shown, null, 2));
      else {
        console.log('id                scope      rate/min  created                   revoked                   name');
        for (const k of shown) {
          console.log(`${k.id}  ${k.scope.padEnd(9)}  ${String(k.rateLimit ?? 'default').padStart(8)}  ${k.created.padEnd(24)}  ${(k.revoked ?? '-').padEnd(24)}  ${k.name}`);
        }
      }
      return 0;
    }
    const id = rest[0];
    if (!(await gallery.keys.revoke(id))) {
      console.error(`face-reid keys: no valid key with id ${id}`);
      return 1;
    }
    console.log(`revoked ${id}`);
    return 0;
  } finally {
    await gallery.close();
  }
}
