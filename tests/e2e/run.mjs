// End-to-end test: open every notebook in a real JupyterLab in headless Chromium, clear its
// outputs, run all cells through the menus as a reader would, and check what renders.
//
//   node tests/e2e/run.mjs [--venv DIR] [--timeout SECONDS] [--notebook-dir DIR]
//                          [--committed-dir DIR] [--shard K/N] [NOTEBOOK ...]
//   (--venv: default .venv; --timeout: whole run, default max(300, 60 + 50 per notebook);
//    --notebook-dir: default notebooks/; NOTEBOOK: names or paths, default all, sorted;
//    --committed-dir: where the executed notebooks with the expected outputs are, when the
//    notebooks run are the student edition: default the notebook dir; --shard K/N: run
//    only every N-th notebook from the K-th (K = 1..N), so that N runs share the work)
//
// Use tests/e2e/run.sh (it installs Chromium and playwright-core first) or `make e2e`.
// For each notebook it checks: no error and no stderr output, at least one image, the last
// code cell ends on an image (the training plot), and the last `loss: X, ...` line printed
// equals the committed one. Live widgets (ipywidgets) must render live, as many as committed,
// and one with a slider and a picture must redraw the picture when the slider moves a step.
// A student edition (run with --committed-dir notebooks) must run top to bottom too: its
// exercise stubs raise, but every check cell catches that and writes FAIL on stderr, the only
// stderr allowed, and every check cell must write it.
// It saves a screenshot to build/e2e/NAME.png, closes the notebook without saving and shuts
// its kernel down. The server, its kernels and the browser are stopped however the run ends,
// and the run fails if anything is left behind or any notebook was saved.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const OUT_DIR = path.join(REPO, 'build', 'e2e');
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// A line that train()/train_concise() print: "loss: 0.246, 0.056 sec/epoch".
const LOSS_LINE = /^loss: (\d+(?:\.\d+)?),/;
const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';
// A live widget renders as an output whose child is an ipywidgets view (no MIME type attribute).
const WIDGET_OUTPUT = '.jp-NotebookPanel .jp-OutputArea-output:has(> .jupyter-widgets)';

// ---------------------------------------------------------------- arguments
function parseArgs(argv) {
  const opts = { venv: path.join(REPO, '.venv'), timeout: null, notebookDir: path.join(REPO, 'notebooks'), committedDir: null, shard: [1, 1], notebooks: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--venv') opts.venv = path.resolve(value());
    else if (a === '--timeout') opts.timeout = Number(value());
    else if (a === '--notebook-dir') opts.notebookDir = path.resolve(value());
    else if (a === '--committed-dir') opts.committedDir = path.resolve(value());
    else if (a === '--shard') {
      const m = /^(\d+)\/(\d+)$/.exec(value());
      if (!m || !(Number(m[1]) >= 1 && Number(m[1]) <= Number(m[2]))) throw new Error('--shard must be K/N with 1 <= K <= N');
      opts.shard = [Number(m[1]), Number(m[2])];
    }
    else if (a === '-h' || a === '--help') { console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n\n')[0].replace(/^\/\/ ?/gm, '')); process.exit(0); }
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else opts.notebooks.push(a);
  }
  if (opts.timeout !== null && !(opts.timeout > 0)) throw new Error('--timeout must be a positive number of seconds');
  return opts;
}

// ---------------------------------------------------------------- small helpers
const sleep = ms => new Promise(r => setTimeout(r, ms));
const secs = ms => `${(ms / 1000).toFixed(1)} s`;
const sha1 = file => createHash('sha1').update(fs.readFileSync(file)).digest('hex');

class Deadline {
  constructor(seconds) { this.end = Date.now() + seconds * 1000; }
  left() { return Math.max(0, this.end - Date.now()); }
  // A wait of at most `ms`, never past the whole run's limit.
  cap(ms) { const left = this.left(); if (left <= 0) throw new Error('the whole run ran out of time'); return Math.min(ms, left); }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

function portOpen(port) {
  return new Promise(resolve => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.setTimeout(2000);
    sock.on('connect', () => { sock.destroy(); resolve(true); });
    sock.on('timeout', () => { sock.destroy(); resolve(true); });
    sock.on('error', () => resolve(false));
  });
}

// Processes started by this run: every child inherits E2E_RUN_ID, so /proc finds them all,
// whatever process group or session they moved to (Jupyter kernels start their own session).
function processesOfRun(runId) {
  const found = [];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      if (!fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`E2E_RUN_ID=${runId}`)) continue;
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
      const state = fs.readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.[0];
      if (state !== 'Z') found.push({ pid: Number(pid), cmd });
    } catch { /* gone, or not ours to read */ }
  }
  return found;
}

// What the committed notebook says: its cells and the last loss line of its outputs; with a
// student edition, the outputs come from the committed notebook of the same name.
function readCommitted(file, committedFile = file) {
  const run = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nb = JSON.parse(fs.readFileSync(committedFile, 'utf8'));
  const text = s => (Array.isArray(s) ? s.join('') : s || '');
  // The check cells' places among the code cells JupyterLab shows (those with source).
  const shown = run.cells.filter(c => c.cell_type === 'code' && text(c.source).trim());
  const checks = file === committedFile ? [] : shown.flatMap((c, i) => ((c.metadata || {}).tags || []).includes('check') ? [i] : []);
  let lossLine = null;
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    for (const out of cell.outputs || []) {
      if (out.output_type !== 'stream' || out.name !== 'stdout') continue;
      for (const line of text(out.text).split('\n')) if (LOSS_LINE.test(line)) lossLine = line;
    }
  }
  const widgets = nb.cells.flatMap(c => c.outputs || []).filter(o => o.data && o.data[WIDGET_MIME]).length;
  return {
    cells: run.cells.length,
    widgets,
    checks,
    codeCells: shown.length,
    lossLine,
    loss: lossLine && lossLine.match(LOSS_LINE)[1],
  };
}

// ---------------------------------------------------------------- the Jupyter server
async function startJupyter(opts, tmp, runId, deadline, log) {
  const jupyter = path.join(opts.venv, 'bin', 'jupyter');
  if (!fs.existsSync(jupyter)) throw new Error(`${jupyter} not found: create the venv first (make e2e does)`);
  const token = randomBytes(24).toString('hex');
  // A fresh, private configuration: nothing in the user's home is read or written, no
  // workspace is restored, no news or update check goes to the network, nothing autosaves.
  const dirs = {};
  for (const d of ['config', 'data', 'runtime', 'ipython', 'settings', 'workspaces', 'checkpoints']) {
    dirs[d] = path.join(tmp, d);
    fs.mkdirSync(dirs[d], { recursive: true });
  }
  const settings = {
    'apputils-extension/notification': { fetchNews: 'false', checkForUpdates: false },
    'docmanager-extension/plugin': { autosave: false },
    // Every cell in the DOM (no virtual scrolling), for the checks and the screenshot.
    'notebook-extension/tracker': { windowingMode: 'none', scrollPastEnd: false, kernelShutdown: true },
  };
  for (const [name, value] of Object.entries(settings)) {
    const file = path.join(dirs.settings, '@jupyterlab', `${name}.jupyterlab-settings`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(value));
  }
  const env = {
    ...process.env, E2E_RUN_ID: runId,
    JUPYTER_CONFIG_DIR: dirs.config, JUPYTER_DATA_DIR: dirs.data, JUPYTER_RUNTIME_DIR: dirs.runtime,
    IPYTHONDIR: dirs.ipython,
  };
  delete env.JUPYTER_PORT;
  delete env.JUPYTER_TOKEN;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = ['lab', '--no-browser', '--allow-root', '--ServerApp.ip=127.0.0.1', `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0', `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${opts.notebookDir}`,
      '--ServerApp.terminals_enabled=False', '--LabApp.news_url=None',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate', '--LabApp.extension_manager=readonly',
      `--LabApp.user_settings_dir=${dirs.settings}`, `--LabApp.workspaces_dir=${dirs.workspaces}`,
      // Checkpoints go to the temporary folder, not to notebooks/.ipynb_checkpoints.
      `--FileCheckpoints.checkpoint_dir=${dirs.checkpoints}`];
    fs.appendFileSync(log, `\n$ jupyter ${args.join(' ').replace(token, '<token>')}\n`);
    const fd = fs.openSync(log, 'a');
    // Its own process group, so that it and all it starts can be stopped as one.
    const proc = spawn(jupyter, args, { cwd: REPO, env, stdio: ['ignore', fd, fd], detached: true });
    fs.closeSync(fd);
    const server = { proc, port, token, url: `http://127.0.0.1:${port}`, exited: false, exitCode: null };
    proc.on('exit', code => { server.exited = true; server.exitCode = code; });
    const t0 = Date.now();
    const limit = t0 + deadline.cap(120_000);
    while (!server.exited && Date.now() < limit) {
      try {
        const res = await fetch(`${server.url}/api/status`, { headers: { Authorization: `token ${token}` }, signal: AbortSignal.timeout(5000) });
        if (res.ok) { server.startMs = Date.now() - t0; return server; }
      } catch { /* not listening yet */ }
      await sleep(250);
    }
    if (server.exited && attempt < 3 && fs.readFileSync(log, 'utf8').includes('already in use')) continue;
    if (!server.exited) await stopJupyter(server);
    throw new Error(`JupyterLab did not answer on ${server.url}/api/status within ${secs(Date.now() - t0)}` +
      (server.exited ? ` (it exited with code ${server.exitCode})` : '') + `; see ${log}`);
  }
}

async function api(server, method, route) {
  const res = await fetch(`${server.url}${route}`, { method, headers: { Authorization: `token ${server.token}` }, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status}`);
  return res.status === 204 ? null : res.json().catch(() => null);
}

// Ask the server to shut down (it stops its kernels), then insist: SIGTERM, SIGKILL.
async function stopJupyter(server) {
  if (!server || server.exited) return;
  const waitExit = async ms => { const end = Date.now() + ms; while (!server.exited && Date.now() < end) await sleep(100); return server.exited; };
  try { await api(server, 'POST', '/api/shutdown'); } catch { /* fall through to signals */ }
  if (await waitExit(15_000)) return;
  try { process.kill(-server.proc.pid, 'SIGTERM'); } catch { /* gone */ }
  if (await waitExit(10_000)) return;
  try { process.kill(-server.proc.pid, 'SIGKILL'); } catch { /* gone */ }
  await waitExit(5_000);
}

// ---------------------------------------------------------------- one notebook
// Poll a function in the page until it returns a truthy value; fail with `what` on time-out.
async function until(page, deadline, ms, what, fn, arg) {
  try {
    const handle = await page.waitForFunction(fn, arg, { timeout: deadline.cap(ms), polling: 250 });
    return await handle.jsonValue();
  } catch (e) {
    if (deadline.left() <= 0) throw new Error(`the whole run ran out of time waiting for ${what}`);
    if (/Timeout/.test(String(e.message))) throw new Error(`timed out after ${secs(ms)} waiting for ${what}`);
    throw e;
  }
}

async function menu(page, deadline, top, command) {
  await page.locator('.lm-MenuBar-item', { hasText: new RegExp(`^${top}$`) }).click({ timeout: deadline.cap(15_000) });
  await page.locator(`.lm-Menu .lm-Menu-item[data-command="${command}"]`).click({ timeout: deadline.cap(15_000) });
}

// Dialogs that can legitimately appear: pick a kernel (if the notebook names none we know).
async function answerKernelDialog(page) {
  const dialog = page.locator('.jp-Dialog');
  if (!(await dialog.count())) return null;
  const text = (await dialog.first().innerText()).trim();
  if (/select kernel/i.test(text)) {
    await dialog.first().locator('.jp-Dialog-button.jp-mod-accept').click();
    return null;
  }
  return text;
}

// The state of the open notebook, as the reader sees it.
function notebookState() {
  const panel = document.querySelector('.jp-NotebookPanel');
  if (!panel) return null;
  const kernelButton = panel.querySelector('.jp-Toolbar-kernelName');
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')];
  const code = cells.filter(c => c.classList.contains('jp-CodeCell'))
    .filter(c => (c.querySelector('.cm-content')?.textContent || '').trim() !== '');
  const prompts = code.map(c => (c.querySelector('.jp-InputArea-prompt')?.textContent || '').trim());
  const outputs = [...panel.querySelectorAll('.jp-OutputArea-output')];
  // JupyterLab renders both stderr streams and error tracebacks with the stderr MIME type.
  const bad = outputs.filter(o => o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr')
    .map(o => {
      const cell = o.closest('.jp-CodeCell');
      return { prompt: (cell?.querySelector('.jp-InputArea-prompt')?.textContent || '').trim(), text: o.textContent.trim().slice(0, 1500),
        index: code.indexOf(cell) };
    });
  return {
    cells: cells.length,
    kernel: kernelButton?.getAttribute('aria-label') || kernelButton?.textContent?.trim() || '',
    status: indicator?.dataset.status || '',
    prompts,
    outputs: outputs.length,
    bad,
  };
}

// Opens the notebook in `tab` (JupyterLab is loaded once per tab, then File > Open from Path).
async function runNotebook(tab, server, file, committed, deadline) {
  const name = path.basename(file);
  const shot = path.join(OUT_DIR, name.replace(/\.ipynb$/, '.png'));
  const { page } = tab;
  const errorsBefore = tab.errors.length;
  const step = { name: 'opening JupyterLab' };
  const times = [];
  let mark = Date.now();
  const lap = label => { const now = Date.now(); times.push(`${label} ${secs(now - mark)}`); mark = now; };
  const state = () => page.evaluate(() => window.__e2eNotebookState());
  let runMs = null;
  // The end of every notebook, passed or not: the screenshot, then close without saving.
  const finish = async (problems, facts = {}) => {
    step.name = 'taking the screenshot';
    await screenshot(page, shot, deadline);
    lap('check+screenshot');
    step.name = 'closing the notebook without saving';
    await closeWithoutSaving(page, server, deadline);
    lap('close');
    return { problems, runMs, loss: facts.loss, images: facts.images, widgets: facts.widgets, times: times.join(', ') };
  };
  try {
    const rel = path.relative(path.resolve(server.rootDir), file).split(path.sep).join('/');
    if (!tab.loaded) {
      await page.goto(`${server.url}/lab/tree/${rel.split('/').map(encodeURIComponent).join('/')}?reset&token=${server.token}`,
        { waitUntil: 'domcontentloaded', timeout: deadline.cap(90_000) });
      tab.loaded = true;
    } else {
      step.name = 'File > Open from Path';
      await menu(page, deadline, 'File', 'filebrowser:open-path');
      const dialog = page.locator('.jp-Dialog');
      await dialog.locator('input').fill(rel, { timeout: deadline.cap(15_000) });
      await dialog.locator('.jp-Dialog-button.jp-mod-accept').click({ timeout: deadline.cap(15_000) });
    }

    step.name = 'the notebook to render';
    await until(page, deadline, 90_000, `all ${committed.cells} cells of ${name} to render`,
      n => document.querySelectorAll('.jp-NotebookPanel').length === 1
        && document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell').length === n, committed.cells);

    lap('open');
    step.name = 'the kernel to start';
    const kernelLimit = Date.now() + deadline.cap(120_000);
    for (;;) {
      const unexpected = await answerKernelDialog(page);
      if (unexpected) throw new Error(`unexpected dialog: ${unexpected.replace(/\s+/g, ' ').slice(0, 300)}`);
      const s = await state();
      if (s && s.kernel && s.kernel !== 'No Kernel' && s.status === 'idle') break;
      if (deadline.left() <= 0) throw new Error('the whole run ran out of time');
      if (Date.now() > kernelLimit) throw new Error(`the kernel did not become idle (kernel "${s?.kernel}", status "${s?.status}")`);
      await sleep(250);
    }

    lap('kernel');
    step.name = 'clearing all outputs';
    await menu(page, deadline, 'Edit', 'editmenu:clear-all');
    await until(page, deadline, 30_000, 'the outputs to be cleared', () => {
      const panel = document.querySelector('.jp-NotebookPanel');
      return panel.querySelectorAll('.jp-OutputArea-output').length === 0
        && [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].every(p => !/\d/.test(p.textContent));
    });

    step.name = 'running all cells';
    const t0 = Date.now();
    await menu(page, deadline, 'Run', 'runmenu:run-all');
    // Done when every code cell shows an execution count and the kernel is idle; Run All
    // stops at an error, so an error output with an idle kernel ends the wait too.
    const done = await until(page, deadline, 240_000, 'every code cell to run (an execution count each, kernel idle)', ([expected, checks]) => {
      const s = window.__e2eNotebookState();
      if (!s || s.status !== 'idle' || s.prompts.some(p => p.includes('*'))) return false;
      const counted = s.prompts.filter(p => /^\[\d+\]:$/.test(p)).length;
      const unexpected = s.bad.filter(b => !(checks.includes(b.index) && b.text.startsWith('FAIL')));
      return (s.prompts.length === expected && counted === expected) || unexpected.length ? s : false;
    }, [committed.codeCells, committed.checks]);
    runMs = Date.now() - t0;
    lap('clear+run');

    step.name = 'checking the outputs';
    const problems = [];
    for (const b of done.bad) {
      if (committed.checks.includes(b.index) && b.text.startsWith('FAIL')) continue; // a stub's check
      problems.push(`error or stderr output in cell ${b.prompt.replace(/:$/, '') || '[?]'}:\n      ${b.text.replace(/\n/g, '\n      ')}`);
    }
    const failed = new Set(done.bad.filter(b => b.text.startsWith('FAIL')).map(b => b.index));
    const silent = committed.checks.filter(i => !failed.has(i));
    if (silent.length) problems.push(`${silent.length} check cell(s) did not write FAIL for the stub (code cells ${silent.map(i => i + 1).join(', ')})`);
    const ran = done.prompts.filter(p => /^\[\d+\]:$/.test(p)).length;
    if (ran < committed.codeCells) {
      problems.push(`Run All stopped there: ${ran} of ${committed.codeCells} code cells ran`);
      return await finish(problems);
    }
    const facts = await page.evaluate(lossRe => {
      const panel = document.querySelector('.jp-NotebookPanel');
      const imgs = [...panel.querySelectorAll('.jp-OutputArea-output[data-mime-type^="image/"] img')];
      const code = [...panel.querySelectorAll('.jp-Notebook .jp-CodeCell')];
      const last = code[code.length - 1];
      const lastOutputs = last ? [...last.querySelectorAll('.jp-OutputArea-output')] : [];
      const lastOut = lastOutputs[lastOutputs.length - 1];
      const re = new RegExp(lossRe);
      const lossLines = [...panel.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]')]
        .flatMap(o => o.textContent.split('\n')).filter(l => re.test(l));
      return {
        images: imgs.length,
        brokenImages: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length,
        lastMime: lastOut?.getAttribute('data-mime-type') || '(no output)',
        lastImageLoaded: !!lastOut?.querySelector('img') && lastOut.querySelector('img').naturalWidth > 0,
        lossLine: lossLines[lossLines.length - 1] || null,
      };
    }, LOSS_LINE.source);
    if (facts.images < 1) problems.push('no image was rendered');
    if (facts.brokenImages) problems.push(`${facts.brokenImages} image(s) failed to load`);
    if (!/^image\//.test(facts.lastMime) || !facts.lastImageLoaded) problems.push(`the last code cell should end on an image (the training plot), but its last output is ${facts.lastMime}`);
    facts.loss = facts.lossLine && facts.lossLine.match(LOSS_LINE)[1];
    if (facts.loss !== committed.loss) problems.push(`the last loss line should say "loss: ${committed.loss}," as committed ("${committed.lossLine}"), but it is ${facts.lossLine ? `"${facts.lossLine}"` : 'missing'}`);
    if (committed.widgets) {
      step.name = 'checking the widgets';
      const w = await checkWidgets(page, committed.widgets, deadline);
      problems.push(...w.problems);
      facts.widgets = w.summary;
    }
    const jsErrors = tab.errors.slice(errorsBefore);
    if (jsErrors.length) problems.push(`JavaScript errors in the page: ${jsErrors.slice(0, 3).join(' | ')}`);

    return await finish(problems, facts);
  } catch (e) {
    // Keep a picture of the failure for the report.
    try { await page.screenshot({ path: shot, timeout: 10_000 }); } catch { /* the page may be gone */ }
    const s = await state().catch(() => null);
    const detail = s ? ` [kernel "${s.kernel}", status "${s.status}", prompts ${s.prompts.filter(p => /\d/.test(p)).length}/${s.prompts.length} counted]` : '';
    // This tab is in an unknown state: the next notebook gets a new one, and no kernel stays.
    tab.broken = true;
    await shutdownSessions(server).catch(() => {});
    const why = deadline.left() <= 0 && !/ran out of time/.test(e.message) ? 'the whole run ran out of time' : e.message.split('\n')[0];
    throw new Error(`${step.name}: ${why}${detail}`);
  }
}

// Live widgets (ipywidgets) must render as widgets, as many as the committed notebook shows,
// and a widget with a slider and a picture must redraw the picture when its slider moves.
async function checkWidgets(page, expected, deadline) {
  const problems = [];
  let redrawn = 0;
  const found = await page.evaluate(sel => [...document.querySelectorAll(sel)].map(o => ({
    ok: !/Error displaying widget/.test(o.textContent),
    text: o.textContent.replace(/\s+/g, ' ').trim().slice(0, 120),
    slider: !!o.querySelector('.noUi-handle'),
    image: !!o.querySelector('img'),
  })), WIDGET_OUTPUT);
  const ok = found.filter(w => w.ok).length;
  if (ok < expected) {
    const why = found.filter(w => !w.ok).map(w => `"${w.text}"`).join(', ');
    problems.push(`${expected} widget(s) committed, ${ok} rendered as live widgets${why ? `: ${why}` : ''}`);
  }
  for (const [i, w] of found.entries()) {
    if (!w.ok || !w.slider || !w.image) continue;
    const out = page.locator(WIDGET_OUTPUT).nth(i);
    const before = await out.locator('img').first().getAttribute('src');
    const handle = out.locator('.noUi-handle').first();
    await handle.focus({ timeout: deadline.cap(10_000) });
    const [now, max] = [await handle.getAttribute('aria-valuenow'), await handle.getAttribute('aria-valuemax')];
    await page.keyboard.press(Number(now) >= Number(max) ? 'ArrowLeft' : 'ArrowRight');
    try {
      await page.waitForFunction(([sel, n, src]) => document.querySelectorAll(sel)[n]?.querySelector('img')?.getAttribute('src') !== src,
        [WIDGET_OUTPUT, i, before], { timeout: deadline.cap(30_000), polling: 250 });
      redrawn++;
    } catch {
      problems.push(`widget ${i + 1} did not redraw its picture when its first slider moved ("${w.text}")`);
    }
  }
  return { problems, summary: `${ok} live widget(s)${redrawn ? `, ${redrawn} redrawn by a slider` : ''}` };
}

async function shutdownSessions(server) {
  for (const s of await api(server, 'GET', '/api/sessions')) await api(server, 'DELETE', `/api/sessions/${s.id}`);
  for (const k of await api(server, 'GET', '/api/kernels')) await api(server, 'DELETE', `/api/kernels/${k.id}`);
}

// The whole notebook in one picture: hide the side bar, grow the window to the notebook's height.
async function screenshot(page, file, deadline) {
  // Clicking the open side bar tab (the file browser) folds the side bar away.
  const tab = page.locator('.jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current');
  if (await tab.count()) {
    await tab.first().click({ timeout: deadline.cap(10_000) });
    await page.waitForFunction(() => !(document.getElementById('jp-left-stack')?.offsetWidth > 0), null, { timeout: deadline.cap(10_000) }).catch(() => {});
  }
  const size = await page.evaluate(() => {
    const panel = document.querySelector('.jp-NotebookPanel');
    const scroller = panel.querySelector('.jp-WindowedPanel-outer') || panel.querySelector('.jp-Notebook');
    return { extra: scroller.scrollHeight - scroller.clientHeight, width: window.innerWidth, height: window.innerHeight };
  });
  const height = Math.min(size.height + Math.max(0, size.extra) + 20, 30_000);
  await page.setViewportSize({ width: size.width, height });
  await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.locator('.jp-NotebookPanel').screenshot({ path: file, timeout: deadline.cap(60_000) });
  await page.setViewportSize({ width: size.width, height: size.height });
}

// File > Close and Shut Down Notebook, confirm: JupyterLab closes it without saving (autosave is
// off; the server's log is checked for saves at the end). Then the kernel must be gone.
async function closeWithoutSaving(page, server, deadline) {
  await menu(page, deadline, 'File', 'filemenu:close-and-cleanup');
  const limit = Date.now() + deadline.cap(30_000);
  while (await page.locator('.jp-NotebookPanel').count()) {
    const dialog = page.locator('.jp-Dialog').first();
    if (await dialog.count()) {
      const buttons = dialog.locator('.jp-Dialog-button');
      const labels = (await buttons.allInnerTexts()).map(t => t.trim());
      const pick = ['Discard', "Don't Save", 'Shut Down', 'Ok', 'OK', 'Close'].find(l => labels.includes(l));
      if (!pick) throw new Error(`unexpected dialog on closing: ${(await dialog.innerText()).replace(/\s+/g, ' ').slice(0, 200)}`);
      await buttons.filter({ hasText: new RegExp(`^${pick}$`) }).first().click();
    }
    if (deadline.left() <= 0) throw new Error('the whole run ran out of time');
    if (Date.now() > limit) throw new Error('the notebook did not close');
    await sleep(200);
  }
  for (;;) {
    const [sessions, kernels] = [await api(server, 'GET', '/api/sessions'), await api(server, 'GET', '/api/kernels')];
    if (!sessions.length && !kernels.length) return;
    if (Date.now() > limit) throw new Error(`the kernel was not shut down (${kernels.length} kernel(s), ${sessions.length} session(s) left)`);
    await sleep(250);
  }
}

// ---------------------------------------------------------------- the run
// The notebooks to run: those named, or every notebooks/*.ipynb, sorted.
function listNotebooks(opts) {
  const files = (opts.notebooks.length
    ? opts.notebooks.map(n => path.resolve(fs.existsSync(n) ? n : path.join(opts.notebookDir, n)))
    : fs.readdirSync(opts.notebookDir).filter(f => f.endsWith('.ipynb')).sort().map(f => path.join(opts.notebookDir, f)));
  if (!files.length) throw new Error(`no notebooks in ${opts.notebookDir}`);
  const [k, n] = opts.shard;
  files.splice(0, files.length, ...files.filter((_, i) => i % n === k - 1));
  for (const f of files) {
    if (!fs.existsSync(f)) throw new Error(`no such notebook: ${f}`);
    if (path.relative(opts.notebookDir, f).startsWith('..')) throw new Error(`${f} is not inside ${opts.notebookDir}`);
  }
  return files;
}

async function main(opts, files, ctx) {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  ctx.hashes = new Map(files.map(f => [f, sha1(f)]));
  ctx.notebookDir = opts.notebookDir;
  ctx.dotEntries = fs.readdirSync(opts.notebookDir).filter(e => e.startsWith('.'));

  console.log(`e2e: ${files.length} notebook(s), JupyterLab from ${opts.venv}, Chromium ${CHROMIUM}, limit ${opts.timeout} s`);
  const t0 = Date.now();
  ctx.server = await startJupyter(opts, ctx.tmp, ctx.runId, ctx.deadline, ctx.log);
  ctx.server.rootDir = opts.notebookDir;
  console.log(`  JupyterLab answered on 127.0.0.1:${ctx.server.port} after ${secs(ctx.server.startMs)}`);
  // Signals are ours to handle (Playwright's own handler would exit before the server stops).
  ctx.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true,
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false, timeout: ctx.deadline.cap(60_000),
    // Chromium's crash reporter and caches write under these, not under the home folder.
    env: { ...process.env, XDG_CONFIG_HOME: path.join(ctx.tmp, 'xdg-config'), XDG_CACHE_HOME: path.join(ctx.tmp, 'xdg-cache') } });

  // One browser context; one tab that loads JupyterLab once and opens the notebooks in turn
  // (a tab that failed is replaced by a new one).
  const context = await ctx.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript(`window.__e2eNotebookState = ${notebookState.toString()};`);
  let tab = null;
  for (const file of files) {
    if (ctx.stopping) return;
    const name = path.basename(file);
    const t = Date.now();
    if (tab?.broken) { await tab.page.close().catch(() => {}); tab = null; }
    if (!tab) {
      tab = { page: await context.newPage(), errors: [], loaded: false };
      const errors = tab.errors;
      tab.page.on('pageerror', e => errors.push(String(e.message).split('\n')[0]));
    }
    let committed;
    try {
      committed = readCommitted(file, opts.committedDir ? path.join(opts.committedDir, name) : file);
    } catch (e) {
      ctx.failures.push(`${name}: cannot read the committed notebook: ${e.message}`);
      console.log(`FAIL ${name}: cannot read the committed notebook: ${e.message}`);
      continue;
    }
    if (!committed.lossLine) {
      const msg = `${name}: its committed outputs have no line "loss: X, ..." to compare with (execute and commit it)`;
      ctx.failures.push(msg);
      console.log(`FAIL ${msg}`);
      continue;
    }
    try {
      const r = await runNotebook(tab, ctx.server, file, committed, ctx.deadline);
      const took = secs(Date.now() - t);
      if (r.problems.length) {
        ctx.failures.push(`${name}: ${r.problems.join('; ')}`);
        console.log(`FAIL ${name} (${took}):\n    - ${r.problems.join('\n    - ')}`);
      } else {
        ctx.passed.push(name);
        console.log(`ok   ${name}: ${took}, loss ${r.loss} as committed, ${r.images} image(s)${r.widgets ? `, ${r.widgets}` : ''} [${r.times}]`);
      }
    } catch (e) {
      if (ctx.stopping) return;
      ctx.failures.push(`${name}: ${e.message}`);
      console.log(`FAIL ${name} (${secs(Date.now() - t)}): ${e.message}`);
    }
    if (ctx.deadline.left() <= 0) {
      const rest = files.slice(files.indexOf(file) + 1).map(f => path.basename(f));
      if (rest.length) {
        ctx.failures.push(`not run, out of time: ${rest.join(', ')}`);
        console.log(`FAIL the whole run's limit of ${opts.timeout} s is reached (--timeout SECONDS raises it); not run: ${rest.join(', ')}`);
      }
      break;
    }
  }
  ctx.totalMs = Date.now() - t0;
}

async function cleanup(ctx) {
  if (ctx.cleaning) return ctx.cleaning;
  ctx.cleaning = (async () => {
    const issues = [];
    if (ctx.browser) await ctx.browser.close().catch(e => issues.push(`closing Chromium: ${e.message}`));
    if (ctx.server) await stopJupyter(ctx.server);
    // Whatever this run started must be gone, and the port closed.
    let left = [];
    for (let i = 0; i < 50; i++) { left = processesOfRun(ctx.runId); if (!left.length) break; await sleep(200); }
    if (left.length) {
      issues.push(`processes left running: ${left.map(p => `${p.pid} ${p.cmd.slice(0, 100)}`).join('; ')} (killed now)`);
      for (const p of left) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    if (ctx.server && await portOpen(ctx.server.port)) issues.push(`port ${ctx.server.port} is still open`);
    // The committed notebooks must be as they were: JupyterLab saved nothing. (A notebook that
    // changed with no save in the server's log was changed by someone else: said, not failed.)
    const saved = fs.existsSync(ctx.log) ? fs.readFileSync(ctx.log, 'utf8').split('\n').filter(l => /Saving file at|Uploading file to/.test(l)) : [];
    if (saved.length) issues.push(`JupyterLab saved files: ${saved.map(l => l.replace(/^.*\] /, '')).join('; ')}`);
    for (const [file, hash] of ctx.hashes || []) {
      if (fs.existsSync(file) && sha1(file) === hash) continue;
      const msg = `${path.relative(REPO, file)} changed during the run`;
      if (saved.length) issues.push(msg);
      else console.log(`note: ${msg}, not by this run (JupyterLab saved nothing): someone else is editing it`);
    }
    // Nor did it leave files beside them (checkpoints, virtual documents).
    for (const entry of ctx.notebookDir ? fs.readdirSync(ctx.notebookDir) : []) {
      if (entry.startsWith('.') && !ctx.dotEntries.includes(entry)) issues.push(`the run left ${path.join(path.relative(REPO, ctx.notebookDir), entry)}`);
    }
    fs.rmSync(ctx.tmp, { recursive: true, force: true });
    return issues;
  })();
  return ctx.cleaning;
}

async function run() {
  let opts, files;
  try {
    opts = parseArgs(process.argv.slice(2));
    files = listNotebooks(opts);
  } catch (e) { console.error(`e2e: ${e.message}`); return 2; }
  // The whole run's limit: 5 minutes, or more for a longer course (about 20 s a notebook here
  // on an idle machine, twice that while others share its two cores).
  opts.timeout ??= Math.max(300, 60 + 50 * files.length);
  const ctx = {
    runId: randomBytes(8).toString('hex'),
    tmp: fs.mkdtempSync(path.join(os.tmpdir(), 'optim-e2e-')),
    log: path.join(OUT_DIR, opts.shard[1] > 1 ? `jupyter-${opts.shard[0]}.log` : 'jupyter.log'),
    deadline: new Deadline(opts.timeout),
    failures: [], passed: [],
  };
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(ctx.log, '');
  process.env.E2E_RUN_ID = ctx.runId;

  // On a signal: stop everything, say so, exit 130 (SIGINT) or 143; a second signal is not waited for.
  const onSignal = sig => {
    const code = sig === 'SIGINT' ? 130 : 143;
    if (ctx.stopping) { killServerGroup(ctx); process.exit(code); }
    ctx.stopping = sig;
    console.log(`\ne2e: ${sig}: stopping JupyterLab and Chromium`);
    cleanup(ctx).then(issues => {
      for (const i of issues) console.log(`FAIL cleanup: ${i}`);
      console.log(`e2e: interrupted by ${sig}`);
      process.exit(code);
    });
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, onSignal);
  // Last resort if Node exits by any other path: kill the server's process group.
  process.on('exit', () => killServerGroup(ctx));

  let timer;
  const overtime = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the whole run took longer than its limit of ${opts.timeout} s (--timeout SECONDS raises it)`)), opts.timeout * 1000 + 5000);
  });
  try {
    await Promise.race([main(opts, files, ctx), overtime]);
  } catch (e) {
    if (!ctx.stopping) { ctx.failures.push(e.message); console.log(`FAIL ${e.message}`); }
  } finally {
    clearTimeout(timer);
  }
  if (ctx.stopping) return new Promise(() => {}); // the signal handler finishes and exits
  ctx.stopping = 'done';
  const issues = await cleanup(ctx);
  for (const i of issues) { ctx.failures.push(i); console.log(`FAIL cleanup: ${i}`); }
  if (ctx.failures.length) console.log(`\nJupyterLab's log: ${path.relative(REPO, ctx.log)}`);
  const total = ctx.totalMs ? ` in ${secs(ctx.totalMs)}` : '';
  console.log(`\ne2e${total}, screenshots in ${path.relative(REPO, OUT_DIR)}/`);
  console.log(`${ctx.passed.length} passed, ${ctx.failures.length} failed`);
  return ctx.failures.length ? 1 : 0;
}

function killServerGroup(ctx) {
  if (ctx.server && !ctx.server.exited) try { process.kill(-ctx.server.proc.pid, 'SIGKILL'); } catch { /* gone */ }
}

process.exitCode = await run();
