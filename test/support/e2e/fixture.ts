import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { StorageState } from './browser';
import { launchBrowser, newContext, pageProblems, requireBrowser } from './browser';
import { initialAdminPassword, type LeitstandProcess, startLeitstand, tail } from './leitstand';

/** How long Leitstand may take from SIGTERM to exit 0 before graceful shutdown counts as broken. */
export const shutdownBudgetMs = 8_000;

export interface E2E {
  /** The running server (set in beforeAll). */
  readonly server: LeitstandProcess;
  readonly url: string;
  /** The admin's current password: the configured one until a test changes it. */
  adminPassword: string;
  /** Cookies of a signed-in admin session, reused by `adminPage` so tests skip signing in. */
  adminSession: StorageState | undefined;
  /** A fresh browser context (own cookies, or the given ones) and a page in it; closed after the test. */
  newPage(options?: { locale?: string; storageState?: StorageState }): Promise<Page>;
}

/**
 * Per test file: one Leitstand child process (temporary PGlite data directory, or a fresh
 * database on TEST_DATABASE_URL's server) and, unless `browser: false`, one Chromium. After
 * each test every page opened in it must have reported no error (uncaught exception, CSP
 * refusal, hydration mismatch). After all tests the server gets SIGTERM and must exit 0
 * within the budget — the graceful-shutdown check.
 */
export function useLeitstand(options: { browser?: boolean } = {}): E2E {
  const wantsBrowser = options.browser ?? true;
  let server: LeitstandProcess | undefined;
  let browser: Browser | undefined;
  let contexts: BrowserContext[] = [];
  const state: E2E = {
    get server() {
      if (!server) throw new Error('Leitstand is not running (beforeAll failed?)');
      return server;
    },
    get url() {
      return state.server.url;
    },
    adminPassword: initialAdminPassword,
    adminSession: undefined,
    async newPage({ locale, storageState } = {}) {
      if (!browser) throw new Error('no browser in this suite');
      const context = await newContext(browser, state.url, { locale, storageState });
      contexts.push(context);
      return context.newPage();
    },
  };

  beforeAll(async () => {
    if (wantsBrowser) requireBrowser();
    server = await startLeitstand({ database: 'auto', logLevel: 'info' });
    if (wantsBrowser) browser = await launchBrowser();
  });

  afterEach(async () => {
    const problems = contexts.flatMap((c) => c.pages().flatMap((p) => pageProblems(p).map((msg) => `${p.url()}: ${msg}`)));
    await Promise.all(contexts.map((c) => c.close()));
    contexts = [];
    if (problems.length > 0) throw new Error(`The browser reported problems:\n  ${problems.join('\n  ')}`);
  });

  afterAll(async () => {
    await browser?.close();
    if (!server) return;
    const stopped = await server.stop({ timeoutMs: shutdownBudgetMs });
    const failed = server.output().match(/^.*"level":(50|60).*$/gm) ?? [];
    if (stopped.code !== 0 || stopped.signal !== null) {
      throw new Error(
        `Leitstand did not shut down gracefully on SIGTERM (code ${stopped.code}, signal ${stopped.signal}, ${stopped.ms.toFixed(0)} ms)\n${tail(server.output(), 40)}`,
      );
    }
    // Errors logged by the server during the suite are defects, like console.error in unit tests.
    if (failed.length > 0) throw new Error(`Leitstand logged ${failed.length} error(s):\n${failed.slice(0, 5).join('\n')}`);
  });

  return state;
}
