import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, Result } from 'axe-core';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Real Chromium from the distribution (never a downloaded browser build), driven by
 * playwright-core, and axe-core run inside every page the tests visit.
 */

export const chromiumPath = process.env.LEITSTAND_CHROMIUM ?? '/usr/bin/chromium';
export const browserAvailable = fs.existsSync(chromiumPath);
/** CI sets LEITSTAND_E2E_REQUIRED=1: there a missing browser fails the suite instead of skipping it. */
export const browserRequired = process.env.LEITSTAND_E2E_REQUIRED === '1';
export const missingBrowserMessage =
  `Chromium was not found at ${chromiumPath}. The end-to-end tests drive a real browser: install it with ` +
  '`sudo apt-get install -y chromium` (Debian/Ubuntu), or point LEITSTAND_CHROMIUM at a Chromium binary.';

/** True when the browser suites must be skipped (missing browser, not required). Warns loudly. */
export function skipBrowserSuites(): boolean {
  if (browserAvailable || browserRequired) return false;
  console.warn(`\n${'!'.repeat(100)}\n!! SKIPPING the browser end-to-end tests. ${missingBrowserMessage}\n${'!'.repeat(100)}\n`);
  return true;
}

/** Throws (failing the suite) when the browser is missing; call first in beforeAll. */
export function requireBrowser(): void {
  if (!browserAvailable) throw new Error(`LEITSTAND_E2E_REQUIRED=1 but ${missingBrowserMessage}`);
}

export async function launchBrowser(): Promise<Browser> {
  requireBrowser();
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A fresh browser context (own cookies) on a Leitstand URL, English by default. Problems the
 * page reports — uncaught exceptions, console errors such as a CSP refusal or a hydration
 * mismatch — are collected; `pageProblems(page)` returns them for the test to assert on.
 */
export async function newContext(
  browser: Browser,
  baseURL: string,
  { locale = 'en-GB', storageState }: { locale?: string | undefined; storageState?: StorageState | undefined } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, locale, storageState, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  context.on('page', trackProblems);
  return context;
}

/** Cookies and storage of a context, to start another one signed in. */
export type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

const problems = new WeakMap<Page, string[]>();

function trackProblems(page: Page): void {
  const list: string[] = [];
  problems.set(page, list);
  page.on('pageerror', (error) => list.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // Pages that answer 4xx on purpose (403 page, refused form) are logged by Chromium as a
    // failed resource; that is the behaviour under test, not a problem.
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    list.push(`console.error: ${text} (${message.location().url})`);
  });
}

/** What went wrong inside the page so far (empty when nothing did). */
export function pageProblems(page: Page): string[] {
  return [...(problems.get(page) ?? [])];
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Formats axe violations so a failure says what, where and how to fix it. */
export function formatViolations(violations: Result[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map((n) => `    - ${n.target.join(' ')}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`)
        .join('\n');
      const more = v.nodes.length > 5 ? `\n    … and ${v.nodes.length - 5} more` : '';
      return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}${more}`;
    })
    .join('\n');
}

/**
 * Runs axe-core in the page (WCAG 2.x A/AA rules and best practices) and fails on any
 * violation of impact serious or critical. Call it on every page a test visits.
 */
export async function expectAccessible(page: Page, label = page.url()): Promise<void> {
  // Evaluated through the DevTools protocol, so the page's CSP (which refuses inline
  // scripts, rightly) does not block the injection.
  const hasAxe = await page.evaluate(() => typeof (window as { axe?: unknown }).axe !== 'undefined');
  if (!hasAxe) await page.evaluate(axeSource);
  const results = (await page.evaluate(() =>
    (window as unknown as { axe: { run(context: Document, options: object): Promise<unknown> } }).axe.run(document, {
      resultTypes: ['violations'],
    }),
  )) as AxeResults;
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (serious.length > 0) {
    throw new Error(`Accessibility violations on ${label}:\n${formatViolations(serious)}`);
  }
}
