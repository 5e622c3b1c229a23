#!/usr/bin/env node
/**
 * `face-reid <command> ...`: finds the command's module (one file per command) and runs it.
 * Commands stay thin: they parse arguments and call the library.
 */
import { FaceReidError } from '../errors';

interface CommandModule {
  summary: string;
  run(argv: string[]): Promise<number>;
}

// Loaded lazily so that `face-reid --help` works even when the runtime is missing.
const commands: Record<string, () => CommandModule> = {
  devices: () => require('./devices'),
  models: () => require('./models'),
  embed: () => require('./embed'),
  compare: () => require('./compare'),
  eval: () => require('./eval'),
  analyze: () => require('./analyze'),
  enroll: () => require('./enroll'),
  identify: () => require('./identify'),
  gallery: () => require('./gallery'),
  doctor: () => require('./doctor'),
  runtime: () => require('./runtime'),
  demo: () => require('./demo'),
  watch: () => require('./watch'),
};

function available(): [string, CommandModule][] {
  const found: [string, CommandModule][] = [];
  for (const [name, load] of Object.entries(commands)) {
    try {
      found.push([name, load()]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    }
  }
  return found;
}

function usage(): string {
  const lines = available().map(([name, mod]) => `  ${name.padEnd(10)} ${mod.summary}`);
  return `Usage: face-reid <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`face-reid <command> --help\` for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const load = commands[name];
  let mod: CommandModule | undefined;
  try {
    mod = load?.();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
  }
  if (!mod) {
    console.error(`face-reid: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof FaceReidError || err instanceof TypeError || err instanceof RangeError) {
      const code = (err as { code?: string }).code;
      console.error(`face-reid: ${err.message}${code ? ` [${code}]` : ''}`);
    } else {
      console.error(err);
    }
    process.exitCode = 1;
  },
);
