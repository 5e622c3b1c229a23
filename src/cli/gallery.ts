/**
 * `face-reid gallery list|remove|migrate`: inspect and edit a gallery (a file or a postgres://
 * URL), or copy one into another. Enrolment and identification are their own commands.
 */
import { existsSync } from 'node:fs';
import { Gallery } from '../gallery';
import { migrateGallery } from '../gallery/migrate';
import { Progress } from '../util/progress';

export const summary = 'List the identities of a gallery (file or URL), remove one, or copy a gallery into another';

const usage = `Usage:
  face-reid gallery list --gallery FILE|URL [--json]
  face-reid gallery remove <label> --gallery FILE|URL   (deletes its samples and sightings)
  face-reid gallery migrate --from FILE|URL --to FILE|URL [--quiet]
      copies identities, samples (with source and model) and sightings; rerunning adds nothing`;

interface Parsed {
  sub?: string;
  positional: string[];
  gallery?: string;
  from?: string;
  to?: string;
  quiet: boolean;
  json: boolean;
  help: boolean;
}

function parse(argv: string[]): Parsed | string {
  const parsed: Parsed = { positional: [], json: false, quiet: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') parsed.help = true;
    else if (arg === '--json') parsed.json = true;
    else if (arg === '--quiet') parsed.quiet = true;
    else if (arg === '--gallery' || arg === '--from' || arg === '--to') {
      const value = argv[++i];
      if (value === undefined) return `${arg} needs a file or URL`;
      parsed[arg.slice(2) as 'gallery' | 'from' | 'to'] = value;
    } else if (/^--(gallery|from|to)=/.test(arg)) {
      const [key, ...value] = arg.slice(2).split('=');
      parsed[key as 'gallery' | 'from' | 'to'] = value.join('=');
    }
    else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else if (parsed.sub === undefined) parsed.sub = arg;
    else parsed.positional.push(arg);
  }
  return parsed;
}

function fail(message: string): number {
  console.error(`face-reid gallery: ${message}\n\n${usage}`);
  return 2;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parse(argv);
  if (typeof parsed === 'string') return fail(parsed);
  if (parsed.help) {
    console.log(usage);
    return 0;
  }
  if (parsed.sub === 'migrate') return migrate(parsed);
  if (parsed.sub !== 'list' && parsed.sub !== 'remove') return fail(parsed.sub ? `unknown subcommand "${parsed.sub}"` : 'missing subcommand');
  if (!parsed.gallery) return fail('--gallery FILE|URL is required');
  // Both subcommands work on an existing gallery: creating an empty file by a typo helps nobody.
  // A URL is the opener's to judge.
  if (!existingGallery(parsed.gallery)) {
    console.error(`face-reid gallery: no gallery file at ${parsed.gallery} [GALLERY_NOT_FOUND]`);
    return 1;
  }

  if (parsed.sub === 'list') {
    if (parsed.positional.length > 0) return fail(`unexpected argument ${parsed.positional[0]}`);
    const gallery = await Gallery.open(parsed.gallery, { readonly: true });
    try {
      const identities = await gallery.list();
      if (parsed.json) {
        console.log(JSON.stringify(identities, null, 2));
      } else {
        const width = Math.max(5, ...identities.map((i) => i.label.length));
        console.log(`${'label'.padEnd(width)}  samples  created`);
        for (const i of identities) console.log(`${i.label.padEnd(width)}  ${String(i.samples).padStart(7)}  ${i.created}`);
        const samples = identities.reduce((sum, i) => sum + i.samples, 0);
        console.log(`${identities.length} identities, ${samples} samples (${gallery.model})`);
      }
    } finally {
      await gallery.close();
    }
    return 0;
  }

  if (parsed.positional.length !== 1) return fail('remove needs exactly one label');
  const label = parsed.positional[0];
  const gallery = await Gallery.open(parsed.gallery);
  try {
    const outcome = await gallery.remove(label);
    if (outcome === 'absent') {
      console.error(`face-reid gallery: no identity "${label}" in ${gallery.location}`);
      return 1;
    }
    // Removal is the right-to-be-forgotten call: every sample and every sighting goes with it.
    console.log(outcome === 'queued' ? `removal of "${label}" queued (the database is unreachable; it lands when it is back)` : `removed "${label}" with its samples and sightings`);
    return 0;
  } finally {
    await gallery.close();
  }
}

function existingGallery(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) || location === ':memory:' || existsSync(location);
}

async function migrate(parsed: Parsed): Promise<number> {
  if (!parsed.from || !parsed.to) return fail('migrate needs --from FILE|URL and --to FILE|URL');
  if (parsed.positional.length > 0) return fail(`unexpected argument ${parsed.positional[0]}`);
  if (parsed.from === parsed.to) return fail('--from and --to name the same gallery');
  if (!existingGallery(parsed.from)) {
    console.error(`face-reid gallery: no gallery file at ${parsed.from} [GALLERY_NOT_FOUND]`);
    return 1;
  }
  const progress = new Progress({ label: 'migrate', unit: 'samples', quiet: parsed.quiet });
  const result = await migrateGallery(parsed.from, parsed.to, {
    onProgress: ({ samples, total }) => {
      progress.setTotal(total);
      progress.tick(samples - progress.value);
    },
  });
  progress.done();
  console.log(
    `${result.identities} identities: ${result.stored} samples copied, ${result.skipped} already there; ${result.sightings} sightings copied; ${result.apiKeys} API keys copied`,
  );
  return 0;
}
