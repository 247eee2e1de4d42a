import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium; the tests never download a browser (scripts/ensure-test-deps.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Where each e2e run saves its screenshots (ignored by git, so a test run leaves the tree clean);
 * the README shows copies committed under docs/.
 */
export const SCREENSHOTS_DIR = path.join(__dirname, '..', '..', '.tmp', 'screenshots');

/**
 * Headless Chromium in a fresh, empty profile (Playwright makes one per launch), with every
 * call-out switched off: the machines have a closed network.
 */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: npm test installs it (scripts/ensure-test-deps.sh)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The whole page, or one part of it (a locator), saved as SCREENSHOTS_DIR/<name>.png. */
export async function screenshot(target: Page | Locator, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const file = path.join(SCREENSHOTS_DIR, `${name}.png`);
  await ('goto' in target ? target.screenshot({ path: file, fullPage: true }) : target.screenshot({ path: file }));
}

/** A fixture for the test file: one Chromium for all its tests, closed after them. */
export function useChromium(): () => Browser {
  let browser: Browser | null = null;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium is not launched yet: call the fixture at the top of the file');
    return browser;
  };
}
