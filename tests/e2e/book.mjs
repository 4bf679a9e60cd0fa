// The course's website (build/book, from `make book`) in headless Chromium: every page is
// checked as a reader would see it, and screenshotted to build/book-screens/.
//
//   node tests/e2e/book.mjs [--book DIR] [--width PIXELS]   (default build/book, 1280)
//
// For every page: the math is typeset (MathJax's mjx-container elements are there and no raw
// $$, \( or \[ is left in the text outside code), every <img> has loaded, the previous/next
// links resolve to pages of the site, and no element of a code cell scrolls horizontally at
// the window width. Over the whole built HTML: no solution region, no instructor answer, no
// nbgrader metadata and no widget state (the notebooks' own solution lines are searched for).
// The site is served by Python's http.server on 127.0.0.1, as a static host would serve it.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = path.join(REPO, 'build', 'book-screens');

function parseArgs(argv) {
  const opts = { book: path.join(REPO, 'build', 'book'), width: 1280 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--book') opts.book = path.resolve(argv[++i]);
    else if (argv[i] === '--width') opts.width = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return opts;
}

const text = s => (Array.isArray(s) ? s.join('') : s || '');

// Lines that only a solution region or an instructor answer of the notebooks holds.
function secretLines() {
  const secret = new Set(), open = new Set();
  for (const f of fs.readdirSync(path.join(REPO, 'notebooks')).filter(f => f.endsWith('.ipynb'))) {
    const nb = JSON.parse(fs.readFileSync(path.join(REPO, 'notebooks', f), 'utf8'));
    let inside = false;
    for (const cell of nb.cells) {
      const answer = ((cell.metadata || {}).tags || []).includes('instructor');
      for (const line of text(cell.source).split('\n')) {
        const t = line.trim();
        if (t === '### BEGIN SOLUTION' || t === '### END SOLUTION') { inside = t.includes('BEGIN'); continue; }
        if (!t) continue;
        (inside || answer ? secret : open).add(t);
      }
    }
  }
  // whole phrases only: a wrapped line can hold one common word
  return [...secret].filter(l => !open.has(l) && l.length > 12 && l.split(/\s+/).length >= 4);
}

function decodeEntities(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

// What the built HTML must not hold.
function leaks(book) {
  const problems = [];
  const secrets = secretLines();
  const files = fs.readdirSync(book, { recursive: true }).filter(f => /\.(html|ipynb|txt|js)$/.test(f))
    .filter(f => !f.startsWith('_static'));
  for (const f of files) {
    const raw = fs.readFileSync(path.join(book, f), 'utf8');
    const plain = decodeEntities(raw.replace(/<[^>]+>/g, ''));
    // The teaching page explains the markers; every other file must not hold them.
    const markers = f.startsWith('teaching') ? [] : ['BEGIN SOLUTION', 'END SOLUTION', '*Answer.*'];
    for (const marker of [...markers, '"grade_id"', '"nbgrader": {', 'widget-state+json', 'widget-view+json']) {
      if (raw.includes(marker) || plain.includes(marker)) problems.push(`${f}: holds "${marker}"`);
    }
    for (const line of secrets) {
      if (plain.includes(line) || raw.includes(JSON.stringify(line).slice(1, -1))) problems.push(`${f}: holds the solution line "${line.slice(0, 60)}"`);
    }
  }
  return { problems, files: files.length, secrets: secrets.length };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

async function serve(book) {
  const port = await freePort();
  const python = fs.existsSync(path.join(REPO, '.venv', 'bin', 'python')) ? path.join(REPO, '.venv', 'bin', 'python') : 'python3';
  const proc = spawn(python, ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', book], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${url}/index.html`)).ok) return { proc, url }; } catch { /* not yet */ }
    await new Promise(r => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error('the static server did not start');
}

// The pages: the landing page, every notebook and the teaching page, in reading order.
function pages(book) {
  const notebooks = fs.readdirSync(path.join(book, 'notebooks')).filter(f => f.endsWith('.html')).sort();
  return ['index.html', ...notebooks.map(f => `notebooks/${f}`), 'teaching.html'];
}

// Inside the page: what a reader sees.
function inspect() {
  const outsideCode = document.body.cloneNode(true);
  for (const el of outsideCode.querySelectorAll('pre, code, script, style, mjx-container, .highlight')) el.remove();
  const visible = outsideCode.textContent;
  const raw = ['$$', '\\(', '\\['].filter(m => visible.includes(m));
  const imgs = [...document.querySelectorAll('article img, .bd-article img')];
  const scrolling = [...document.querySelectorAll('div.cell pre, div.cell .highlight, div.cell .output, div.cell div.output_area, div.cell')]
    .filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}: ${el.scrollWidth} > ${el.clientWidth} px, "${el.textContent.trim().split('\n').sort((a, b) => b.length - a.length)[0].slice(0, 90)}"`);
  const link = sel => document.querySelector(sel)?.getAttribute('href') || null;
  return {
    title: document.title,
    math: document.querySelectorAll('mjx-container').length,
    mathSource: document.querySelectorAll('.math, span.math, div.math').length,
    raw,
    images: imgs.length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
    prev: link('a.left-prev'),
    next: link('a.right-next'),
    scrolling: scrolling.slice(0, 5),
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(opts.book, 'index.html'))) throw new Error(`${opts.book}/index.html is missing: run make book`);
  fs.mkdirSync(SHOTS, { recursive: true });
  const failures = [];
  const scan = leaks(opts.book);
  failures.push(...scan.problems);
  for (const p of scan.problems) console.log(`LEAK ${p}`);
  console.log(`book: ${scan.files} built files searched for ${scan.secrets} solution and answer lines and the markers: ${scan.problems.length ? `${scan.problems.length} found` : 'none found'}`);
  const server = await serve(opts.book);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: opts.width, height: 900 } });
    const list = pages(opts.book);
    for (const [i, rel] of list.entries()) {
      const problems = [];
      await page.goto(`${server.url}/${rel}`, { waitUntil: 'load', timeout: 60_000 });
      // MathJax typesets after load; wait for it, then scroll through so that every image loads.
      await page.waitForFunction(() => !window.MathJax || (window.MathJax.startup && window.MathJax.startup.promise), null, { timeout: 30_000 });
      await page.evaluate(() => window.MathJax?.startup?.promise);
      await page.evaluate(async () => { for (let y = 0; y < document.body.scrollHeight; y += 800) { window.scrollTo(0, y); await new Promise(r => setTimeout(r, 20)); } window.scrollTo(0, 0); });
      await page.waitForFunction(() => [...document.images].every(i => i.complete), null, { timeout: 30_000 }).catch(() => {});
      const s = await page.evaluate(inspect);
      if (s.mathSource && !s.math) problems.push(`${s.mathSource} math element(s), none typeset by MathJax`);
      if (s.raw.length) problems.push(`raw math delimiters left in the text: ${s.raw.join(' ')}`);
      if (s.broken.length) problems.push(`images that did not load: ${s.broken.slice(0, 3).join(', ')}`);
      if (rel.startsWith('notebooks/') && !s.images) problems.push('a notebook page without any figure');
      if (s.scrolling.length) problems.push(`code cells that scroll sideways at ${opts.width} px: ${s.scrolling.join(' | ')}`);
      const expectPrev = i > 0, expectNext = i < list.length - 1;
      for (const [which, href, expected] of [['previous', s.prev, expectPrev], ['next', s.next, expectNext]]) {
        if (!href) { if (expected) problems.push(`no ${which} link`); continue; }
        const target = new URL(href, `${server.url}/${rel}`);
        const res = await fetch(target);
        if (!res.ok) problems.push(`the ${which} link ${href} gives HTTP ${res.status}`);
      }
      const shot = path.join(SHOTS, rel.replace(/\//g, '_').replace(/\.html$/, '.png'));
      await page.screenshot({ path: shot, fullPage: true });
      const facts = `${s.math} typeset formula(s), ${s.images} image(s)`;
      if (problems.length) {
        failures.push(`${rel}: ${problems.join('; ')}`);
        console.log(`FAIL ${rel} (${facts}):\n    - ${problems.join('\n    - ')}`);
      } else {
        console.log(`ok   ${rel}: ${facts}, previous/next links resolve, nothing scrolls sideways`);
      }
    }
  } finally {
    await browser.close();
    server.proc.kill();
  }
  console.log(`\nbook: screenshots in ${path.relative(REPO, SHOTS)}/; ${failures.length ? `${failures.length} problem(s)` : 'all pages pass'}`);
  return failures.length ? 1 : 0;
}

process.exitCode = await main().catch(e => { console.error(`book: ${e.message}`); return 2; });
