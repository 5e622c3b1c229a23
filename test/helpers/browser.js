'use strict';
// Headless Chromium for the browser tests: Debian's `chromium`, driven by playwright-core with
// that executable (no tool downloads a browser of its own). The flags keep it off this machine's
// closed network (no background, component or sync traffic) and the profile is a fresh folder
// removed on close, so no state leaks from one test run into the next.
const { existsSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function chromiumPath() {
  const candidates = [process.env.FACE_REID_CHROMIUM, '/usr/bin/chromium'].filter(Boolean);
  for (const path of candidates) if (existsSync(path)) return path;
  throw new Error(`Chromium not found (tried ${candidates.join(', ')}): run \`bash scripts/install-chromium.sh\` (Debian's chromium) or set FACE_REID_CHROMIUM.`);
}

/**
 * A browser context with a fresh profile. `close()` ends the browser and removes the profile.
 * launchPersistentContext is the playwright call that takes a user-data folder (plain launch
 * refuses a --user-data-dir flag).
 */
async function launchBrowser(options = {}) {
  const { chromium } = require('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'face-reid-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: options.viewport ?? { width: 1280, height: 900 },
      ...options.launch,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    async newPage() {
      return context.newPage();
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

module.exports = { launchBrowser, chromiumPath, CHROMIUM_FLAGS };
