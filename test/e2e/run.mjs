// The real-editor test: packages the extension, installs it into a fresh code-server (a real VS Code,
// from npm), drives Debian's chromium with puppeteer-core and checks what a user would see:
//   1. a broken .bpf.s gets its diagnostic in the Problems panel,
//   2. "eBPF: Run" on a correct program shows r0 and a map's contents in the inspector webview,
//   3. a broken .bt gets its diagnostic.
// Needs `bash test/e2e/install.sh` first (Node 24, code-server, chromium in test/e2e/.cache and apt).
// Screenshots and a log go to test/e2e/screenshots/. Exits non-zero, naming the failed step, on failure.
/* global setTimeout, clearTimeout, fetch, AbortSignal, document -- Node 20 globals; `document` inside page.evaluate */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CACHE = process.env.E2E_CACHE || path.join(HERE, '.cache');
const NODE24 = path.join(CACHE, 'node24/package/bin/node');
const CS_ENTRY = path.join(CACHE, 'cs/node_modules/code-server/out/node/entry.js');
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(HERE, 'screenshots');
const LOG = path.join(SHOTS, 'e2e.log');
const SERVER_BUNDLE = path.join(ROOT, 'dist/server/server.js');
/** The whole run is killed after this, whatever hangs. */
const WATCHDOG_MS = Number(process.env.E2E_WATCHDOG_MS || 8 * 60_000);
const STEP_MS = 45_000;

// ---------------------------------------------------------------------------------------------
// Logging, steps and cleanup

mkdirSync(SHOTS, { recursive: true });
writeFileSync(LOG, `e2e run ${new Date().toISOString()}\n`);
const t0 = Date.now();
function log(msg) {
  const line = `[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`;
  console.log(line);
  appendFileSync(LOG, line + '\n');
}

class StepError extends Error {}
const results = [];
const cleanups = [];

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new StepError(`timed out after ${ms / 1000} s: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs one step; a fatal step's failure ends the run, a check's failure is recorded and the run goes on. */
async function step(name, fn, { fatal = false, timeout = STEP_MS } = {}) {
  log(`▶ ${name}`);
  const started = Date.now();
  try {
    const detail = await withTimeout(Promise.resolve().then(fn), timeout, name);
    results.push({ name, ok: true, detail });
    log(`✔ ${name}${detail ? ` — ${detail}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return true;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    results.push({ name, ok: false, detail: message });
    log(`✘ ${name}: ${message}`);
    await failureShot(name);
    if (fatal) throw new StepError(`${name}: ${message}`);
    return false;
  }
}

let page;
async function failureShot(name) {
  if (!page) return;
  const file = path.join(SHOTS, `fail-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
  try {
    await withTimeout(page.screenshot({ path: file }), 10_000, 'screenshot');
    log(`  screenshot: ${path.relative(ROOT, file)}`);
  } catch {
    /* the page may be gone */
  }
}

async function cleanup() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await withTimeout(Promise.resolve().then(fn), 10_000, 'cleanup');
    } catch (e) {
      log(`cleanup: ${e instanceof Error ? e.message : e}`);
    }
  }
}

function summaryAndExit(extra) {
  const failed = results.filter((r) => !r.ok);
  log('──────── summary');
  for (const r of results) log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}${r.ok ? '' : `: ${r.detail}`}`);
  if (extra) log(extra);
  log(failed.length || extra ? `E2E FAILED (${failed.length} step(s)); see ${path.relative(ROOT, LOG)}` : 'E2E PASSED');
  process.exitCode = failed.length || extra ? 1 : 0;
}

const watchdog = setTimeout(async () => {
  log(`watchdog: the run exceeded ${WATCHDOG_MS / 1000} s; killing everything`);
  await cleanup();
  summaryAndExit('watchdog fired');
  process.exit(1);
}, WATCHDOG_MS);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    log(`got ${sig}; cleaning up`);
    await cleanup();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// Infrastructure

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, ms) {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(250);
  }
  throw new StepError(`${url} not ready after ${ms / 1000} s (${last})`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Kills a detached child's whole process group (code-server, its extension hosts, the LSP server). */
async function killGroup(child, name) {
  if (!child.pid || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
  if (!done) {
    log(`${name} did not stop on SIGTERM; sending SIGKILL`);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Workbench helpers (selectors from /work/shared/e2e/README.md)

async function pressChord(mod, key) {
  await page.keyboard.down(mod);
  await page.keyboard.press(key);
  await page.keyboard.up(mod);
}

async function quickInputPick(text) {
  await page.waitForSelector('.quick-input-widget', { visible: true, timeout: 10_000 });
  await page.keyboard.type(text, { delay: 15 });
  await page.waitForFunction(
    (t) =>
      [...document.querySelectorAll('.quick-input-widget .monaco-list-row')].some((r) =>
        (r.textContent || '').toLowerCase().includes(t.toLowerCase()),
      ),
    { timeout: 15_000, polling: 200 },
    text,
  );
  await sleep(150);
  await page.keyboard.press('Enter');
}

async function openFile(name, expectText) {
  await pressChord('Control', 'KeyP');
  await quickInputPick(name);
  await page.waitForFunction(
    (t) => [...document.querySelectorAll('.monaco-editor .view-lines')].some((v) => (v.textContent || '').replace(/\u00a0/g, ' ').includes(t)),
    { timeout: 15_000, polling: 200 },
    expectText,
  );
}

async function runCommand(title) {
  await page.keyboard.press('F1');
  await quickInputPick(title);
}

/** Messages of visible toasts, plus those in the notification center (toasts hide after a while). */
async function notifications() {
  const read = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('.notifications-toasts .notification-list-item-message, .notifications-center .notification-list-item-message')]
        .map((n) => (n.textContent || '').trim())
        .filter(Boolean),
    );
  const seen = new Set(await read());
  try {
    await runCommand('Notifications: Show Notifications');
    await sleep(500);
    for (const m of await read()) seen.add(m);
    await page.keyboard.press('Escape');
  } catch {
    /* best effort: this only enriches an error message */
  }
  return [...seen];
}

async function statusBarText() {
  return page.evaluate(() =>
    [...document.querySelectorAll('.part.statusbar .statusbar-item')]
      .map((i) => (i.textContent || '').trim())
      .filter(Boolean)
      .join(' | '),
  );
}

/** Why a server-backed check probably failed, to put in its message. */
async function serverHint() {
  const notes = await notifications().catch(() => []);
  const bundle = existsSync(SERVER_BUNDLE) ? 'present' : `MISSING (${path.relative(ROOT, SERVER_BUNDLE)})`;
  return `server bundle ${bundle}; notifications: ${notes.length ? notes.map((n) => JSON.stringify(n)).join(', ') : 'none'}`;
}

async function waitForSquiggle(ms) {
  await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: ms });
}

async function problemsRows() {
  return page.evaluate(() =>
    [...document.querySelectorAll('.markers-panel .monaco-list-row')].map((r) => ({
      text: (r.textContent || '').replace(/\s+/g, ' ').trim(),
      label: r.getAttribute('aria-label') || '',
    })),
  );
}

async function focusProblems() {
  await runCommand('Problems: Focus on Problems View');
  await page.waitForSelector('.markers-panel', { visible: true, timeout: 10_000 });
}

/** Waits for a Problems row that names `file` on line `line` (1-based); returns its text. */
async function expectProblem(file, line, ms) {
  const deadline = Date.now() + ms;
  let rows = [];
  while (Date.now() < deadline) {
    rows = await problemsRows();
    const fileSeen = rows.some((r) => r.text.includes(file) || r.label.includes(file));
    const hit = rows.find((r) => new RegExp(`\\[Ln ${line}, Col \\d+\\]`).test(r.text));
    if (fileSeen && hit) return hit.text;
    await sleep(300);
  }
  throw new StepError(
    `no problem on line ${line} of ${file} in the Problems panel; rows: ${JSON.stringify(rows.map((r) => r.text))}; ${await serverHint()}`,
  );
}

/**
 * Queries the inspector webview's document (walk from the README: iframe.webview → iframe#active-frame,
 * same-origin in code-server). kind 'text': textContent of `selector`; kind 'rows': the cells of each
 * table row matching `selector`. Returns null when not (yet) there. No eval: the workbench's CSP forbids it.
 */
async function inWebview(kind, selector) {
  return page.evaluate(
    (k, sel) => {
      for (const outer of document.querySelectorAll('iframe.webview')) {
        const d1 = outer.contentDocument;
        const inner = d1 && d1.querySelector('iframe#active-frame');
        const doc = inner && inner.contentDocument;
        if (!doc || !doc.querySelector('#app')) continue;
        if (k === 'text') {
          const el = doc.querySelector(sel);
          if (el) return el.textContent;
        } else {
          const rows = [...doc.querySelectorAll(sel)].map((tr) => [...tr.children].map((td) => td.textContent));
          if (rows.length) return rows;
        }
      }
      return null;
    },
    kind,
    selector,
  );
}

async function waitInWebview(kind, selector, ms, what) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await inWebview(kind, selector).catch(() => null);
    if (v !== null && v !== undefined) return v;
    await sleep(300);
  }
  throw new StepError(`${what} did not appear in the inspector within ${ms / 1000} s; ${await serverHint()}`);
}

// ---------------------------------------------------------------------------------------------
// The run

async function main() {
  let vsix;
  let T;
  let port;
  let ws;
  let userData;

  await step(
    'preflight',
    async () => {
      const missing = [NODE24, CS_ENTRY, CHROMIUM].filter((f) => !existsSync(f));
      if (missing.length) throw new StepError(`missing ${missing.join(', ')}: run bash test/e2e/install.sh first`);
      if (!existsSync(path.join(ROOT, 'node_modules/puppeteer-core'))) throw new StepError('puppeteer-core not installed (npm ci)');
      return `node24, code-server, ${CHROMIUM}`;
    },
    { fatal: true },
  );

  await step(
    'build',
    async () => {
      if (process.env.E2E_SKIP_BUILD === '1') return 'skipped (E2E_SKIP_BUILD=1)';
      await run(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, timeout: 120_000 });
      if (!existsSync(path.join(ROOT, 'dist/client/extension.js'))) throw new StepError('dist/client/extension.js was not built');
      return existsSync(SERVER_BUNDLE) ? 'client and server bundled' : 'client bundled; server bundle MISSING (server checks will fail)';
    },
    { fatal: true, timeout: 150_000 },
  );

  T = mkdtempSync(path.join(tmpdir(), 'ebpf-e2e-'));
  cleanups.push(() => {
    if (process.env.E2E_KEEP !== '1') rmSync(T, { recursive: true, force: true });
    else log(`kept ${T}`);
  });
  ws = path.join(T, 'ws');
  userData = path.join(T, 'ud');
  const extDir = path.join(T, 'ext');
  const xdg = {
    XDG_CONFIG_HOME: path.join(T, 'xdg/config'),
    XDG_DATA_HOME: path.join(T, 'xdg/data'),
    XDG_CACHE_HOME: path.join(T, 'xdg/cache'),
  };
  const env = { ...process.env, ...xdg };
  const csArgs = ['--config', path.join(T, 'config.yaml'), '--user-data-dir', userData, '--extensions-dir', extDir];

  await step(
    'package vsix',
    async () => {
      vsix = path.join(T, 'ebpf-studio.vsix');
      const vsce = path.join(ROOT, 'node_modules/@vscode/vsce/vsce');
      await run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--skip-license', '-o', vsix], {
        cwd: ROOT,
        timeout: 120_000,
      });
      return `${(readFileSync(vsix).length / 1024).toFixed(0)} KB`;
    },
    { fatal: true, timeout: 150_000 },
  );

  await step(
    'install vsix into code-server',
    async () => {
      writeFileSync(path.join(T, 'config.yaml'), 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
      await run(NODE24, [CS_ENTRY, ...csArgs, '--install-extension', vsix], { env, timeout: 60_000 });
      const installed = readdirSync(extDir).filter((d) => d.startsWith('ebpf-studio.ebpf-studio-'));
      if (installed.length !== 1) throw new StepError(`extension not in ${extDir}: ${readdirSync(extDir).join(', ')}`);
      return installed[0];
    },
    { fatal: true, timeout: 90_000 },
  );

  await step(
    'start code-server',
    async () => {
      mkdirSync(ws, { recursive: true });
      for (const f of ['broken.bpf.s', 'count.bpf.s', 'broken.bt']) cpSync(path.join(HERE, 'fixtures', f), path.join(ws, f));
      mkdirSync(path.join(userData, 'User'), { recursive: true });
      writeFileSync(
        path.join(userData, 'User/settings.json'),
        JSON.stringify(
          {
            'workbench.startupEditor': 'none',
            'workbench.secondarySideBar.defaultVisibility': 'hidden',
            'workbench.tips.enabled': false,
            'workbench.enableExperiments': false,
            'security.workspace.trust.enabled': false,
            'telemetry.telemetryLevel': 'off',
            'extensions.autoUpdate': false,
            'extensions.autoCheckUpdates': false,
            'editor.minimap.enabled': false,
            'git.enabled': false,
            'chat.disableAIFeatures': true,
          },
          null,
          2,
        ),
      );
      port = await freePort();
      const serverLog = path.join(SHOTS, 'code-server.log');
      writeFileSync(serverLog, '');
      const child = spawn(
        NODE24,
        [
          CS_ENTRY,
          ...csArgs,
          '--bind-addr',
          `127.0.0.1:${port}`,
          '--auth',
          'none',
          '--disable-telemetry',
          '--disable-update-check',
          '--disable-workspace-trust',
          '--disable-getting-started-override',
          '--ignore-last-opened',
          ws,
        ],
        { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout.on('data', (d) => appendFileSync(serverLog, d));
      child.stderr.on('data', (d) => appendFileSync(serverLog, d));
      cleanups.push(() => killGroup(child, 'code-server'));
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, 30_000);
      return `http://127.0.0.1:${port} (pid ${child.pid})`;
    },
    { fatal: true },
  );

  let browser;
  await step(
    'open workbench in chromium',
    async () => {
      const { default: puppeteer } = await import('puppeteer-core');
      browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        env,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1400,900', `--user-data-dir=${path.join(T, 'chromium')}`],
        defaultViewport: { width: 1400, height: 900 },
        protocolTimeout: 60_000,
      });
      cleanups.push(() => browser.close());
      page = await browser.newPage();
      page.setDefaultTimeout(30_000);
      page.on('pageerror', (e) => appendFileSync(LOG, `  [page error] ${e.message}\n`));
      await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded' });
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
      return 'workbench and explorer up';
    },
    { fatal: true, timeout: 120_000 },
  );

  // --- 1. assembly: language, grammar, diagnostic ------------------------------------------------
  const asmOpened = await step('open broken.bpf.s as eBPF Assembly', async () => {
    await openFile('broken.bpf.s', 'frobnicate');
    await page.waitForFunction(() => (document.querySelector('.part.statusbar')?.textContent || '').includes('eBPF Assembly'), {
      timeout: 15_000,
    });
    return 'language mode eBPF Assembly';
  });

  if (asmOpened) {
    await step('broken.bpf.s: diagnostic in the editor and the Problems panel', async () => {
      await waitForSquiggle(30_000).catch(async () => {
        throw new StepError(`no error squiggle in broken.bpf.s within 30 s; ${await serverHint()}`);
      });
      await focusProblems();
      const row = await expectProblem('broken.bpf.s', 5, 20_000);
      await page.screenshot({ path: path.join(SHOTS, '1-asm-diagnostic.png') });
      return row;
    });
  }

  // --- 2. run + inspector -----------------------------------------------------------------------
  await step('eBPF: Run on count.bpf.s shows r0 and the map in the inspector', async () => {
    await openFile('count.bpf.s', 'XDP_PASS');
    await runCommand('eBPF: Run');
    const r0 = await waitInWebview('text', '#r0 .dec', 30_000, 'r0');
    if (r0 !== '2') {
      const fault = await inWebview('text', '#error .message');
      throw new StepError(`inspector shows r0 = ${r0}, expected 2${fault ? `; fault shown: ${JSON.stringify(fault)}` : ''}`);
    }
    const rows = await waitInWebview('rows', '.map[data-map="counts"] tbody tr', 10_000, 'map "counts"');
    const hit = rows.find((r) => r[0] === '0' && r[r.length - 1] === '42');
    if (!hit) throw new StepError(`map counts has no row key 0 → 42: ${JSON.stringify(rows)}`);
    const meaning = (await inWebview('text', '#r0 .meaning')) || '';
    await page.screenshot({ path: path.join(SHOTS, '2-inspector.png') });
    return `r0 = ${r0}${meaning ? ` (${meaning})` : ''}; counts[0] = 42`;
  });

  // --- 3. bpftrace diagnostic -------------------------------------------------------------------
  const btOpened = await step('open broken.bt as bpftrace', async () => {
    await openFile('broken.bt', 'kprobe:vfs_read');
    await page.waitForFunction(() => (document.querySelector('.part.statusbar')?.textContent || '').includes('bpftrace'), {
      timeout: 15_000,
    });
    return 'language mode bpftrace';
  });
  if (btOpened) {
    await step('broken.bt: diagnostic in the editor and the Problems panel', async () => {
      await waitForSquiggle(30_000).catch(async () => {
        throw new StepError(`no error squiggle in broken.bt within 30 s; ${await serverHint()}`);
      });
      await focusProblems();
      const row = await expectProblem('broken.bt', 3, 20_000);
      await page.screenshot({ path: path.join(SHOTS, '3-bt-diagnostic.png') });
      return row;
    });
  }

  log(`status bar at the end: ${await statusBarText().catch(() => '?')}`);
  const extLogs = path.join(userData, 'logs');
  if (existsSync(extLogs)) log(`VS Code logs: ${extLogs}${process.env.E2E_KEEP === '1' ? '' : ' (removed at exit; E2E_KEEP=1 keeps them)'}`);
}

try {
  await main();
  summaryAndExit();
} catch (e) {
  summaryAndExit(e instanceof StepError ? undefined : `unexpected error: ${e instanceof Error ? e.stack : e}`);
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
