/** Debian's chromium driven by playwright-core (no browser download), for B14/B15. */
import fs from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The chromium executable, or null when none is installed. */
export function findChromium(): string | null {
  return CHROMIUM_PATHS.find((p) => fs.existsSync(p)) ?? null;
}

/** Headless chromium; loaded on use, so the other metrics never load playwright-core. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    headless: true,
    // Root in a container has no user namespace for chromium's sandbox; /dev/shm is small there.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}
