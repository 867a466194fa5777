// dashboard.test.mjs - drives the dashboard in headless Debian chromium against a live
// Strata on another origin, and checks every section against the API's own answers.
//
// Started by tests/e2e/run.sh (which starts both servers), or by hand:
//   STRATA_URL=http://127.0.0.1:8080 DASHBOARD_URL=http://127.0.0.1:8081 node dashboard.test.mjs
// Environment: STRATA_URL, DASHBOARD_URL (required), ARTIFACTS (screenshot folder,
// default ../artifacts), CHROMIUM (default /usr/bin/chromium).
// Prints one line per check and "N passed, M failed"; exits 1 when any failed.
import { chromium } from 'playwright-core';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const HERE = dirname(fileURLToPath(import.meta.url));
const STRATA = (process.env.STRATA_URL ?? '').replace(/\/+$/, '');
const DASHBOARD = (process.env.DASHBOARD_URL ?? '').replace(/\/+$/, '');
const ARTIFACTS = process.env.ARTIFACTS ?? join(HERE, '..', 'artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TIMEOUT = 30000;
const SEARCH_QUERY = 'drills';
const ACTOR = 'russia';
const EVENT = 'lavrov-statement-2021-07-07';

if (!STRATA || !DASHBOARD) {
  console.error('dashboard.test: set STRATA_URL and DASHBOARD_URL');
  process.exit(2);
}
if (new URL(STRATA).origin === new URL(DASHBOARD).origin) {
  console.error('dashboard.test: the dashboard must be on another origin than the API');
  process.exit(2);
}

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}\n     ${String(err?.message ?? err).split('\n').join('\n     ')}`);
  }
}

/** GET a JSON document from the API (node's fetch: the expectations, not the page). */
async function api(path) {
  const res = await fetch(`${STRATA}${path}`);
  assert.equal(res.status, 200, `${path}: HTTP ${res.status}`);
  return res.json();
}
const unwrap = (b) => (b && b.data && !Array.isArray(b.data) ? b.data : b);

/** Everything the page does that must not happen, per page. */
function watch(page, label) {
  const problems = [];
  const apiResponses = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`${label}: console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`${label}: uncaught: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`${label}: request failed: ${req.url()} (${req.failure()?.errorText})`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`${label}: HTTP ${res.status()} for ${res.url()}`);
    if (res.url().startsWith(`${STRATA}/`)) apiResponses.push(res);
  });
  return { problems, apiResponses };
}

const codePoints = (s) => Array.from(s);

/** Switch the page to a view with its navigation link; wait for the route. */
async function view(page, name) {
  await page.locator(`#views-nav a[data-view="${name}"]`).click();
  await page.waitForSelector(`body[data-view="${name}"]`, { timeout: TIMEOUT });
  await page.waitForSelector('#filters[data-state="ready"]', { state: 'attached', timeout: TIMEOUT });
}
const hashOf = (page) => new URL(page.url()).hash;

async function main() {
  // ---- what the API says (the expected values) ----
  const layers = await api('/v1/layers');
  const timeline = await api('/v1/timeline');
  const article = unwrap(await api('/v1/article?include=text'));
  const text = codePoints(article.text);
  const actors = await api('/v1/actors?limit=1');
  const organizations = await api('/v1/organizations?limit=1');
  const search = await api(`/v1/search?q=${encodeURIComponent(SEARCH_QUERY)}&limit=500`);
  const firstPassage = search.data.find((h) => Number.isInteger(h.start) && Number.isInteger(h.end));
  const actor = unwrap(await api(`/v1/actors/${ACTOR}`));
  const actorEvents = await api(`/v1/actors/${ACTOR}/events`);

  await mkdir(ARTIFACTS, { recursive: true });
  const profile = await mkdtemp(join(tmpdir(), 'strata-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
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
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const seen = watch(page, 'dashboard');

    await check('the dashboard loads from its own origin and reads the API cross-origin', async () => {
      const res = await page.goto(`${DASHBOARD}/?api=${encodeURIComponent(STRATA)}`);
      assert.equal(res.status(), 200);
      await page.waitForSelector('body[data-ready="true"]', { timeout: TIMEOUT });
      assert.ok(seen.apiResponses.length >= 8, `only ${seen.apiResponses.length} API responses seen`);
      for (const r of seen.apiResponses) {
        const h = await r.allHeaders();
        assert.ok(h['access-control-allow-origin'], `no Access-Control-Allow-Origin on ${r.url()}`);
        if (r.status() === 200) assert.ok(h.etag, `no ETag on ${r.url()}`);
      }
      assert.equal(await page.locator('#banner').isVisible(), false, 'an error banner is shown');
      assert.match(await page.locator('#api-status').getAttribute('data-state'), /^ok$/);
    });

    await check('the source attribution is visible (title, author, affiliation, publication)', async () => {
      await assert.doesNotReject(page.locator('#source-title').waitFor({ state: 'visible' }));
      assert.equal((await page.locator('#source-title').textContent()).trim(), article.title);
      const byline = await page.locator('#source .byline').textContent();
      for (const part of [article.author, article.affiliation, article.publication]) {
        assert.ok(byline.includes(part), `byline "${byline}" lacks "${part}"`);
      }
    });

    await check('the four strategy layers render side by side with their parts', async () => {
      const cards = page.locator('#layers-grid .layer');
      assert.equal(layers.meta.total, 4, 'the API has not four layers');
      assert.equal(await cards.count(), layers.meta.total);
      const boxes = await Promise.all([0, 1, 2, 3].map((i) => cards.nth(i).boundingBox()));
      assert.ok(boxes.every((b) => Math.abs(b.y - boxes[0].y) < 2), 'the layers are not side by side');
      const sorted = [...layers.data].sort((a, b) => a.ordinal - b.ordinal);
      for (const [i, l] of sorted.entries()) {
        const card = cards.nth(i);
        assert.equal(await card.getAttribute('data-layer-id'), l.id);
        assert.equal((await card.locator('h3').textContent()).trim(), l.name);
        const parts = card.locator('.layer-part');
        const counts = await parts.locator('h4 .n').allTextContents();
        assert.deepEqual(counts.map(Number), [l.partners.length, l.mechanisms.length, l.events.length, l.goals.length], `${l.id}: partners/mechanisms/events/goals`);
        assert.equal(await parts.nth(0).locator('.chip').count(), l.partners.length);
        assert.equal(await parts.nth(3).locator('li').count(), l.goals.length);
      }
    });

    await check('the timeline shows every event, with date precision as shapes', async () => {
      await view(page, 'timeline');
      const rows = page.locator('#timeline-body .tl-row');
      const undated = page.locator('#timeline-body .tl-undated-item');
      const dated = timeline.data.dated ?? timeline.data.filter((e) => e.date.precision !== 'unknown');
      const expectedUndated = timeline.data.undated ?? timeline.data.filter((e) => e.date.precision === 'unknown');
      assert.equal((await rows.count()) + (await undated.count()), timeline.meta.total, 'timeline items');
      assert.equal(await rows.count(), dated.length, 'dated rows');
      assert.equal(await undated.count(), expectedUndated.length, 'undated items');
      assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.dataset.eventId)), dated.map((e) => e.id), 'date order');
      const seenPrecisions = new Set();
      for (const e of dated) {
        const row = page.locator(`#event-${e.id}`);
        const mark = row.locator('.tl-mark');
        const cls = await mark.getAttribute('class');
        const box = await mark.boundingBox();
        seenPrecisions.add(e.date.precision);
        if (e.date.precision === 'day') {
          assert.match(cls, /\bpoint\b/, `${e.id}: a day is a point`);
        } else {
          assert.match(cls, new RegExp(`\\bspan\\b.*\\bp-${e.date.precision}\\b`), `${e.id}: ${e.date.precision} is a span`);
          assert.ok(box.width > 14, `${e.id}: a ${e.date.precision} span is only ${box.width}px wide`);
        }
        assert.ok((await row.locator('.tl-wording').textContent()).includes(e.date.text ?? 'no wording'), `${e.id}: the article's wording`);
      }
      assert.ok(seenPrecisions.has('day') && seenPrecisions.has('year'), 'the model should have day and year precision events');
      // A year-long span is wider than any part-of-month span.
      const widths = async (p) => Promise.all(dated.filter((e) => e.date.precision === p).map(async (e) => (await page.locator(`#event-${e.id} .tl-mark`).boundingBox()).width));
      const year = await widths('year');
      const part = await widths('part-of-month');
      if (part.length) assert.ok(Math.min(...year) > Math.max(...part), 'a year is drawn shorter than part of a month');
    });

    await check('the network is drawn on a canvas with as many nodes as the API gives', async () => {
      await view(page, 'network');
      const graph = page.locator('#graph');
      await graph.scrollIntoViewIfNeeded();
      assert.equal(await graph.getAttribute('data-state'), 'ready');
      assert.ok((await page.locator('#graph canvas').count()) >= 1, 'no canvas');
      const box = await page.locator('#graph canvas').first().boundingBox();
      assert.ok(box.width > 400 && box.height > 300, `canvas is ${box.width}x${box.height}`);
      const source = await graph.getAttribute('data-source');
      assert.ok(source.startsWith(`${STRATA}/v1/graph`), `graph source ${source}`);
      const expected = await (await fetch(source)).json();
      const drawn = await page.evaluate(() => ({ nodes: window.strataDashboard.graph.cy.nodes().length, edges: window.strataDashboard.graph.cy.edges().length }));
      assert.equal(drawn.nodes, expected.meta.nodes, 'nodes');
      assert.equal(Number(await graph.getAttribute('data-node-count')), expected.meta.nodes);
      assert.equal(drawn.edges, expected.meta.edges, 'edges');
      assert.ok(expected.data.nodes.some((n) => n.id === ACTOR), `${ACTOR} is not a graph node`);
    });

    await check('adding layers to the network redraws it with the API\'s node count', async () => {
      const graph = page.locator('#graph');
      const before = await graph.getAttribute('data-source');
      await page.locator('#graph-options input[value="layers"]').check();
      await page.waitForFunction((prev) => {
        const el = document.querySelector('#graph');
        return el.dataset.state === 'ready' && el.dataset.source !== prev;
      }, before, { timeout: TIMEOUT });
      const source = await graph.getAttribute('data-source');
      assert.match(decodeURIComponent(source), /type=actors,organizations,events,layers/);
      const expected = await (await fetch(source)).json();
      assert.equal(Number(await graph.getAttribute('data-node-count')), expected.meta.nodes);
      assert.ok(expected.data.nodes.some((n) => n.type === 'layers'), 'no layer nodes');
      await page.locator('#graph-options input[value="layers"]').uncheck();
      await page.waitForFunction((prev) => document.querySelector('#graph').dataset.source === prev && document.querySelector('#graph').dataset.state === 'ready', before, { timeout: TIMEOUT });
    });

    await check(`clicking ${ACTOR} in the graph opens its page: events, layers, evidence`, async () => {
      const pos = await page.evaluate((id) => {
        const { cy } = window.strataDashboard.graph;
        cy.container().scrollIntoView({ block: 'center', behavior: 'instant' });
        const node = cy.getElementById(id);
        cy.center(node);
        const p = node.renderedPosition();
        const r = cy.container().getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      }, ACTOR);
      // Cytoscape learns where its container moved from the scroll event, which comes
      // after scrollIntoView returns: click once it has.
      await page.waitForTimeout(250);
      await page.mouse.click(pos.x, pos.y);
      const panel = page.locator('#panel');
      await page.waitForSelector('#panel[data-state="ready"]', { timeout: TIMEOUT });
      assert.equal(await panel.getAttribute('data-id'), ACTOR);
      assert.equal((await panel.locator('h2').textContent()).trim(), actor.name);
      const block = (name) => panel.locator(`.panel-block[data-block="${name}"]`);
      assert.equal(await block('Events').locator('li').count(), actorEvents.meta.total, 'events');
      assert.equal(await block('Strategy layers').locator('.chip').count(), actor.related.layers.length, 'layers');
      assert.equal(await block('Evidence in the article').locator('li').count(), actor.evidence.length, 'evidence');
      const quotes = await block('Evidence in the article').locator('blockquote mark.quote').allTextContents();
      assert.deepEqual(quotes, actor.evidence.map((e) => e.quote), 'each quote highlighted in its paragraph');
      const ties = await block('Ties').locator('li').allTextContents();
      assert.deepEqual(ties, actor.related.relations.map((r) => r.label), 'its ties in words, as the API labels them');
      assert.equal(await page.evaluate(() => window.strataDashboard.graph.cy.$(':selected').map((n) => n.id()).join()), ACTOR);
    });

    await check("the actor's evidence is highlighted in the article at its code-point offsets", async () => {
      const ev = actor.evidence[0];
      await page.locator('#panel .show-in-article').first().click();
      const active = page.locator('#article-text mark.hl.active');
      await active.first().waitFor({ state: 'visible' });
      const got = (await active.allTextContents()).join('');
      assert.equal(got, text.slice(ev.start, ev.end).join(''));
      assert.equal(got, ev.quote);
      await page.keyboard.press('Escape');
      assert.equal(await page.locator('#panel').isVisible(), false, 'Escape closes the panel');
    });

    await check('an actor in the list opens its page too', async () => {
      await view(page, 'network');
      await page.locator('#actor-list .chip[data-id="china"]').click();
      await page.waitForSelector('#panel[data-state="ready"][data-id="china"]', { timeout: TIMEOUT });
      await page.locator('#panel .panel-close').click();
    });

    await check('background facts are marked as such, with their basis on hover and in the detail', async () => {
      const us = unwrap(await api('/v1/actors/united-states'));
      const putin = unwrap(await api('/v1/actors/vladimir-putin'));
      assert.ok(us.other_names.length >= 1, 'the API gives the US no other names');
      await page.locator('#actor-list .chip[data-id="united-states"]').click();
      await page.waitForSelector('#panel[data-state="ready"][data-id="united-states"]', { timeout: TIMEOUT });
      const facts = page.locator('#panel .panel-block[data-block="Not in the article’s words"] li.fact-background');
      assert.equal(await facts.count(), us.other_names.length, 'one marked fact per other name');
      for (let i = 0; i < us.other_names.length; i++) {
        const fact = facts.nth(i);
        assert.equal(await fact.getAttribute('data-provenance'), 'background');
        assert.equal((await fact.locator('.badge').textContent()).trim(), 'background');
        assert.equal(await fact.locator('.badge').getAttribute('title'), us.other_names[i].basis, 'basis on hover');
        assert.equal((await fact.locator('.basis').textContent()).trim(), us.other_names[i].basis, 'basis in the detail');
        assert.ok((await fact.locator('.fact-text').textContent()).includes(us.other_names[i].name));
      }
      assert.equal(await page.locator('#panel .prov .badge').first().textContent(), 'article', 'the record itself is the article’s');
      await page.locator('#panel .panel-close').click();
      // an inferred field is flagged too, and not as background
      await page.locator('#actor-list .chip[data-id="vladimir-putin"]').click();
      await page.waitForSelector('#panel[data-state="ready"][data-id="vladimir-putin"]', { timeout: TIMEOUT });
      const inferred = page.locator('#panel li.fact-inferred[data-field="country"]');
      assert.equal(await inferred.count(), 1, 'Putin’s country is marked inferred');
      assert.equal(await inferred.getAttribute('title'), putin.field_provenance[0].basis);
      assert.equal(await page.locator('#panel li.fact-background').count(), 0);
      await page.locator('#panel .panel-close').click();
    });

    await check(`a search for "${SEARCH_QUERY}" lists its hits and highlights the evidence in the article`, async () => {
      await view(page, 'search');
      assert.ok(firstPassage, `the API finds no evidence for "${SEARCH_QUERY}"`);
      await page.locator('#search-input').fill(SEARCH_QUERY);
      await page.locator('#search-form button[type=submit]').click();
      await page.waitForSelector(`#search[data-query="${SEARCH_QUERY}"]`, { timeout: TIMEOUT });
      assert.equal(Number(await page.locator('#search').getAttribute('data-hits')), search.meta.total);
      const passages = page.locator('#hits .hit');
      const spans = new Set(search.data.filter((h) => Number.isInteger(h.start)).map((h) => `${h.start}-${h.end}`));
      assert.equal(await passages.count(), spans.size, 'one passage per distinct evidence span');
      const activeHit = page.locator('#hits .hit.active');
      assert.equal(Number(await activeHit.getAttribute('data-start')), firstPassage.start);
      const active = page.locator('#article-text mark.hl.active');
      await active.first().scrollIntoViewIfNeeded();
      assert.ok(await active.first().isVisible(), 'the highlight is not visible');
      const got = (await active.allTextContents()).join('');
      assert.equal(got, text.slice(firstPassage.start, firstPassage.end).join(''), 'highlight = the article at [start, end)');
      const terms = await page.locator('#article-text mark.term.active').allTextContents();
      const expectedTerms = (firstPassage.highlights ?? []).map((t) => text.slice(t.start, t.end).join(''));
      assert.deepEqual(terms, expectedTerms, 'matched words');
      const bg = await active.first().evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.notEqual(bg, 'rgba(0, 0, 0, 0)', 'the highlight has no background');
      const box = await active.first().boundingBox();
      const pane = await page.locator('#article-text').boundingBox();
      assert.ok(box.y >= pane.y && box.y + box.height <= pane.y + pane.height, 'the highlight is scrolled out of the article pane');
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-search.png') });
    });

    await check('a timeline event opens its detail: quotes highlighted in their paragraph, date reasoning spelled out', async () => {
      const e = unwrap(await api(`/v1/events/${EVENT}`));
      assert.ok(e.date.basis && e.evidence.length, `${EVENT} should have a date basis and evidence`);
      await view(page, 'timeline');
      await page.locator(`#event-${EVENT} .tl-title`).click();
      await page.waitForSelector(`#panel[data-state="ready"][data-id="${EVENT}"]`, { timeout: TIMEOUT });
      assert.equal(hashOf(page), `#timeline/events/${EVENT}`);
      const panel = page.locator('#panel');
      assert.equal((await panel.locator('h2').textContent()).trim(), e.title);
      const marks = panel.locator('.panel-block[data-block="Evidence in the article"] blockquote.in-context mark.quote');
      assert.deepEqual(await marks.allTextContents(), e.evidence.map((x) => x.quote));
      for (const [i, x] of e.evidence.entries()) {
        const para = await panel.locator('blockquote.in-context').nth(i).textContent();
        const p = article.paragraphs?.find((q) => q.start <= x.start && x.end <= q.end);
        if (p) assert.equal(para, text.slice(p.start, p.end).join(''), 'the whole paragraph around the quote');
      }
      assert.ok(await panel.locator('.date-basis').isVisible(), 'the date basis is shown, not only on hover');
      assert.equal((await panel.locator('.date-basis').textContent()).trim(), e.date.basis);
      assert.ok((await panel.locator('.date-text').textContent()).includes(e.date.text));
      assert.ok((await panel.locator('.date-inferred').textContent()).includes(e.date.inferred[0]));
      assert.ok((await page.locator(`#event-${EVENT} .tl-basis`).textContent()).includes(e.date.basis.slice(0, 20)), 'the basis on the timeline row');
    });

    await check('routing: Back closes the detail and returns to the previous view; the URL names both', async () => {
      await page.goBack();
      await page.waitForFunction(() => location.hash === '#timeline', null, { timeout: TIMEOUT });
      await page.locator('#panel').waitFor({ state: 'hidden', timeout: TIMEOUT });
      await page.goBack();
      await page.waitForFunction(() => location.hash !== '#timeline', null, { timeout: TIMEOUT });
      const v = await page.evaluate(() => document.body.dataset.view);
      assert.notEqual(v, 'timeline');
      assert.equal(hashOf(page), `#${v}`);
      await page.goForward();
      await page.waitForSelector('body[data-view="timeline"]', { timeout: TIMEOUT });
      await page.goForward();
      await page.waitForSelector(`#panel[data-state="ready"][data-id="${EVENT}"]`, { timeout: TIMEOUT });
      await page.locator('#panel .panel-close').click();
      await page.waitForFunction(() => location.hash === '#timeline', null, { timeout: TIMEOUT });
    });

    await check('claims view: grouped by certainty, then by hedge, as the API has them; a claim opens its detail', async () => {
      const claims = await api('/v1/claims?limit=500');
      await view(page, 'claims');
      const expected = new Map();
      for (const c of claims.data) {
        const k = `${c.certainty}|${c.hedge ?? ''}`;
        expected.set(k, (expected.get(k) ?? 0) + 1);
      }
      const got = await page.$$eval('#claims-body .claim-group', (groups) =>
        groups.flatMap((g) => [...g.querySelectorAll('.hedge-group')].map((x) => [`${g.dataset.certainty}|${x.dataset.hedge}`, x.querySelectorAll('.claim').length])),
      );
      assert.deepEqual(new Map(got), expected);
      const certainties = await page.$$eval('#claims-body .claim-group', (g) => g.map((x) => x.dataset.certainty));
      assert.equal(certainties[0], 'stated', 'stated claims first');
      const hedged = claims.data.find((c) => c.hedge);
      await page.locator(`#claims-body .claim[data-id="${hedged.id}"] .claim-open`).click();
      await page.waitForSelector(`#panel[data-state="ready"][data-id="${hedged.id}"]`, { timeout: TIMEOUT });
      assert.equal(hashOf(page), `#claims/claims/${hedged.id}`);
      assert.ok((await page.locator('#panel').textContent()).includes(hedged.hedge), 'the hedge in the detail');
      const marks = await page.locator('#panel blockquote mark.quote').allTextContents();
      const full = unwrap(await api(`/v1/claims/${hedged.id}`));
      assert.deepEqual(marks, full.evidence.map((x) => x.quote));
      await page.keyboard.press('Escape');
    });

    await check('one filter state: an actor filter on the timeline is the API\'s answer and the network follows it', async () => {
      const want = await api(`/v1/events?actor=${ACTOR}&limit=500`);
      const wantIds = new Set(want.data.map((e) => e.id));
      await view(page, 'timeline');
      await page.locator('#filters select[name="actor"]').selectOption(ACTOR);
      await page.waitForFunction((a) => document.querySelector('#filters').dataset.applied === JSON.stringify({ actor: a }), ACTOR, { timeout: TIMEOUT });
      assert.equal(hashOf(page), `#timeline?actor=${ACTOR}`);
      const shown = await page.$$eval('#timeline-body [data-event-id]', (els) => els.filter((e) => !e.hidden).map((e) => e.dataset.eventId));
      assert.deepEqual(new Set(shown), wantIds, 'the rows shown are the API\'s events for the actor');
      await view(page, 'network');
      assert.equal(hashOf(page), `#network?actor=${ACTOR}`);
      assert.equal(await page.locator('#filters select[name="actor"]').inputValue(), ACTOR, 'the same filter in the network view');
      const g = await page.evaluate(() => {
        const { cy } = window.strataDashboard.graph;
        return { shown: cy.nodes().filter((n) => n.visible()).map((n) => ({ id: n.id(), type: n.data('type') })), all: cy.nodes().length };
      });
      const ids = new Set(g.shown.map((n) => n.id));
      assert.ok(ids.has(ACTOR), 'the actor stays in the network');
      assert.ok(g.shown.length < g.all, 'the network is filtered');
      for (const n of g.shown.filter((x) => x.type === 'events')) assert.ok(wantIds.has(n.id), `event ${n.id} is outside the filter`);
      for (const id of wantIds) assert.ok(ids.has(id), `event ${id} of the filter is not shown`);
      // a layer and a date range on top, then cleared by the button
      await page.locator('#filters input[name="from"]').fill('2021-07');
      await page.waitForFunction(() => JSON.parse(document.querySelector('#filters').dataset.applied).from === '2021-07', null, { timeout: TIMEOUT });
      const both = await api(`/v1/events?actor=${ACTOR}&from=2021-07&limit=500`);
      assert.equal(Number(await page.locator('#filters').getAttribute('data-shown')), both.meta.total);
      // only the events lying wholly inside the dates (the API's date_mode=within)
      await page.locator('#filters select[name="actor"]').selectOption('');
      await page.waitForFunction(() => !JSON.parse(document.querySelector('#filters').dataset.applied).actor, null, { timeout: TIMEOUT });
      await page.locator('#filters input[name="to"]').fill('2021-07');
      await page.waitForFunction(() => JSON.parse(document.querySelector('#filters').dataset.applied).to === '2021-07', null, { timeout: TIMEOUT });
      const overlap = await api('/v1/events?from=2021-07&to=2021-07&limit=500');
      const within = await api('/v1/events?from=2021-07&to=2021-07&date_mode=within&limit=500');
      assert.ok(within.meta.total < overlap.meta.total, 'the model should have an event that overlaps July 2021 without lying inside it');
      assert.equal(Number(await page.locator('#filters').getAttribute('data-shown')), overlap.meta.total);
      await page.locator('#filters input[name="date_mode"]').check();
      await page.waitForFunction(() => JSON.parse(document.querySelector('#filters').dataset.applied).date_mode === 'within', null, { timeout: TIMEOUT });
      assert.equal(hashOf(page), '#network?from=2021-07&to=2021-07&date_mode=within');
      assert.equal(Number(await page.locator('#filters').getAttribute('data-shown')), within.meta.total);
      await page.locator('#filters .filter-clear').click();
      await page.waitForFunction(() => document.querySelector('#filters').dataset.applied === '{}', null, { timeout: TIMEOUT });
      assert.equal(hashOf(page), '#network');
      assert.equal(await page.evaluate(() => window.strataDashboard.graph.cy.nodes().filter((n) => n.visible()).length), await page.evaluate(() => window.strataDashboard.graph.cy.nodes().length));
    });

    await check('network: edges coloured by relation type with a legend, labels readable, the graph fills the canvas', async () => {
      await view(page, 'network');
      await page.waitForTimeout(100);
      const got = await page.evaluate(() => {
        const { cy } = window.strataDashboard.graph;
        const r = cy.container().getBoundingClientRect();
        const bb = cy.elements().filter((e) => e.visible()).renderedBoundingBox();
        const actorNode = cy.nodes('[type = "actors"]')[0];
        return {
          edges: cy.edges().map((e) => ({ type: e.data('type'), color: e.style('line-color') })),
          font: parseFloat(actorNode.renderedStyle('font-size')),
          box: { w: r.width, h: r.height },
          bb: { x1: bb.x1, x2: bb.x2, y1: bb.y1, y2: bb.y2, w: bb.w, h: bb.h },
          // which cells of a 4 x 4 grid over the canvas hold a node: no half-empty canvas
          cells: new Set(cy.nodes().filter((n) => n.visible()).map((n) => {
            const p = n.renderedPosition();
            return `${Math.min(3, Math.floor((4 * p.x) / r.width))},${Math.min(3, Math.floor((4 * p.y) / r.height))}`;
          })).size,
        };
      });
      const legend = await page.$$eval('#edge-legend li[data-family]', (lis) =>
        lis.map((li) => ({ color: li.dataset.color, swatch: getComputedStyle(li.querySelector('.edge-swatch')).backgroundColor, n: [...li.querySelectorAll('.n')].reduce((s, x) => s + Number(x.textContent), 0) })),
      );
      const rgb = (hex) => `rgb(${parseInt(hex.slice(1, 3), 16)}, ${parseInt(hex.slice(3, 5), 16)}, ${parseInt(hex.slice(5, 7), 16)})`;
      const colors = new Set(got.edges.map((e) => e.color));
      assert.ok(colors.size >= 3, `only ${colors.size} edge colours`);
      for (const c of colors) assert.ok(legend.some((l) => rgb(l.color).replace(/ /g, '') === c.replace(/ /g, '')), `edge colour ${c} is not in the legend`);
      for (const l of legend) assert.equal(l.swatch, rgb(l.color), 'the swatch is the edge colour');
      assert.equal(legend.reduce((s, l) => s + l.n, 0), got.edges.length, 'the legend counts every edge');
      const types = new Set(got.edges.map((e) => e.type));
      const legendText = await page.locator('#edge-legend').textContent();
      for (const t of types) assert.ok(legendText.includes(t.replace(/_/g, ' ')), `type ${t} not named in the legend`);
      assert.ok(got.font >= 12, `node labels are ${got.font}px on screen`);
      const fillW = got.bb.w / got.box.w;
      const fillH = got.bb.h / got.box.h;
      assert.ok(Math.max(fillW, fillH) > 0.9, `the graph fills ${Math.round(fillW * 100)}% x ${Math.round(fillH * 100)}% of the canvas`);
      assert.ok(got.cells >= 12, `nodes in only ${got.cells} of 16 cells of the canvas`);
      assert.ok(got.bb.x1 >= -2 && got.bb.y1 >= -2 && got.bb.x2 <= got.box.w + 2 && got.bb.y2 <= got.box.h + 2, 'the graph is cut off');
      await page.locator('#graph').screenshot({ path: join(ARTIFACTS, 'dashboard-network.png') });
    });

    await check('after a ¶ link on a layer card the search pane shows that evidence, not the previous search', async () => {
      const layer = [...layers.data].sort((a, b) => a.ordinal - b.ordinal)[0];
      await view(page, 'search');
      assert.equal(await page.locator('#search').getAttribute('data-query'), SEARCH_QUERY, 'the search ran before');
      await view(page, 'layers');
      await page.locator(`#layers-grid .layer[data-layer-id="${layer.id}"] .layer-summary .ev-link`).first().click();
      await page.waitForSelector('body[data-view="search"]', { timeout: TIMEOUT });
      assert.equal(await page.locator('#search').getAttribute('data-showing'), layer.name);
      assert.ok((await page.locator('#search-status').textContent()).includes(layer.name), 'the heading names the layer');
      const starts = await page.$$eval('#hits .hit', (els) => els.map((e) => Number(e.dataset.start)));
      assert.deepEqual(starts, [layer.evidence[0].start], 'the pane lists the layer\'s evidence only');
      const active = (await page.locator('#article-text mark.hl.active').allTextContents()).join('');
      assert.equal(active, layer.evidence[0].quote);
    });

    await check('offsets count code points, also past the Basic Multilingual Plane', async () => {
      const got = await page.evaluate(async () => {
        const { ArticleView } = await import('/js/article.js');
        const root = document.createElement('div');
        // 𝕏 and 😀 are two UTF-16 units each but one code point: offsets after them shift.
        const view = new ArticleView(root, { text: 'T𝕏tle\n\nBy 😀 me\n\nThe Taliban’s 😀 return.\n' });
        view.highlight([{ start: 20, end: 27, key: 'a' }], 'a', { scroll: false });
        return { mark: [...root.querySelectorAll('mark.active')].map((m) => m.textContent).join(''), paragraphs: view.paragraphs };
      });
      assert.equal(got.mark, 'Taliban');
      assert.deepEqual(got.paragraphs.map((p) => [p.start, p.end]), [[0, 5], [7, 14], [16, 39]]);
    });

    await check('dates read as written: a day, part of a month, a month, a year', async () => {
      const got = await page.evaluate(async () => {
        const { formatInterval } = await import('/js/dom.js');
        return [
          ['2021-09-17', '2021-09-17'], ['2021-08-01', '2021-08-15'], ['2021-08-01', '2021-08-31'],
          ['2018-01-01', '2018-12-31'], ['2021-07-11', '2021-08-03'], [null, null],
        ].map(([start, end]) => formatInterval({ start, end }));
      });
      assert.deepEqual(got, ['17 Sep 2021', '1–15 Aug 2021', 'Aug 2021', '2018', '11 Jul – 3 Aug 2021', 'date unknown']);
    });

    await check('no console errors, no failed requests, no CORS failures', async () => {
      assert.deepEqual(seen.problems, []);
    });

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-top.png') });

    // Pagination: pages of 5 must give the same page, by following links.next.
    const paged = await context.newPage();
    const pagedSeen = watch(paged, 'paged');
    await check('with ?pageSize=5 the dashboard follows links.next and shows the same model', async () => {
      await paged.goto(`${DASHBOARD}/?api=${encodeURIComponent(STRATA)}&pageSize=5`);
      await paged.waitForSelector('body[data-ready="true"]', { timeout: TIMEOUT });
      const actorPages = pagedSeen.apiResponses.filter((r) => new URL(r.url()).pathname === '/v1/actors');
      assert.equal(actorPages.length, Math.ceil(actors.meta.total / 5), 'one request per page of actors');
      assert.equal(await paged.locator('#actor-list .chip').count(), actors.meta.total + organizations.meta.total);
      assert.equal(await paged.locator('#layers-grid .layer').count(), 4);
      assert.equal((await paged.locator('.tl-row').count()) + (await paged.locator('.tl-undated-item').count()), timeline.meta.total);
      assert.deepEqual(pagedSeen.problems, []);
    });

    // A deep link opens the actor's page.
    await check('a link to #actors/<id> opens that page', async () => {
      await paged.goto(`${DASHBOARD}/?api=${encodeURIComponent(STRATA)}#actors/${ACTOR}`);
      await paged.waitForSelector(`#panel[data-state="ready"][data-id="${ACTOR}"]`, { timeout: TIMEOUT });
      await paged.waitForTimeout(400); // the panel's slide-in
      await paged.screenshot({ path: join(ARTIFACTS, 'dashboard-panel.png') });
    });
    await paged.close();

    const shared = await context.newPage();
    const sharedSeen = watch(shared, 'shared');
    await check('a shared link restores the view, the open record and the filters', async () => {
      await shared.goto(`${DASHBOARD}/?api=${encodeURIComponent(STRATA)}#network/actors/${ACTOR}?layer=layer-3-russia`);
      await shared.waitForSelector(`#panel[data-state="ready"][data-id="${ACTOR}"]`, { timeout: TIMEOUT });
      await shared.waitForSelector('#filters[data-state="ready"]', { timeout: TIMEOUT });
      assert.equal(await shared.evaluate(() => document.body.dataset.view), 'network');
      assert.equal(await shared.locator('#views-nav a[aria-current="page"]').textContent(), 'Network');
      assert.equal(await shared.locator('#filters select[name="layer"]').inputValue(), 'layer-3-russia');
      const want = await api('/v1/events?layer=layer-3-russia&limit=500');
      assert.equal(Number(await shared.locator('#filters').getAttribute('data-shown')), want.meta.total);
      assert.equal(await shared.evaluate(() => window.strataDashboard.graph.cy.$(':selected').map((n) => n.id()).join()), ACTOR);
      assert.deepEqual(sharedSeen.problems, []);
    });
    // The README's picture (docs/dashboard.png): the timeline with an event's detail open.
    await shared.setViewportSize({ width: 1440, height: 1000 });
    await shared.goto(`${DASHBOARD}/?api=${encodeURIComponent(STRATA)}#timeline/events/${EVENT}`);
    await shared.waitForSelector(`#panel[data-state="ready"][data-id="${EVENT}"]`, { timeout: TIMEOUT });
    await shared.waitForTimeout(400); // the panel's slide-in
    await shared.screenshot({ path: join(ARTIFACTS, 'dashboard-readme.png') });
    await shared.close();

    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await check('at 390 px wide the navigation is reachable and nothing overflows sideways', async () => {
      await phone.goto(`${DASHBOARD}/?api=${encodeURIComponent(STRATA)}`);
      await phone.waitForSelector('body[data-ready="true"]', { timeout: TIMEOUT });
      for (const name of ['layers', 'timeline', 'network', 'claims', 'search']) {
        const link = phone.locator(`#views-nav a[data-view="${name}"]`);
        assert.ok(await link.isVisible(), `the ${name} link is hidden`);
        await link.click();
        await phone.waitForSelector(`body[data-view="${name}"]`, { timeout: TIMEOUT });
        const box = await link.boundingBox();
        assert.ok(box.x >= 0 && box.x + box.width <= 390, `the ${name} link is off screen (${box.x}+${box.width})`);
        const width = await phone.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 390, `the ${name} view is ${width}px wide`);
      }
      await phone.locator('#views-nav a[data-view="timeline"]').click();
      await phone.locator(`#event-${EVENT} .tl-title`).click();
      await phone.waitForSelector(`#panel[data-state="ready"][data-id="${EVENT}"]`, { timeout: TIMEOUT });
      await phone.waitForTimeout(300); // the panel's slide-in
      const panel = await phone.locator('#panel').boundingBox();
      assert.ok(panel.x >= 0 && panel.x + panel.width <= 390, `the detail is at ${panel.x}+${panel.width}`);
      await phone.screenshot({ path: join(ARTIFACTS, 'dashboard-390.png') });
    });
    await phone.close();

    // An unreachable API is said plainly (this page's errors are expected).
    const down = await context.newPage();
    await check('an unreachable API gives a clear message, not a blank page', async () => {
      await down.goto(`${DASHBOARD}/?api=${encodeURIComponent('http://127.0.0.1:9')}`);
      await down.locator('#banner').waitFor({ state: 'visible', timeout: TIMEOUT });
      assert.match(await down.locator('#banner').textContent(), /Cannot reach the Strata API at http:\/\/127\.0\.0\.1:9/);
      assert.equal(await down.locator('#api-status').getAttribute('data-state'), 'error');
    });
    await check('a bad ?api= value is refused with a message', async () => {
      await down.goto(`${DASHBOARD}/?api=${encodeURIComponent('ftp://example')}`);
      await down.locator('#banner').waitFor({ state: 'visible', timeout: TIMEOUT });
      assert.match(await down.locator('#banner').textContent(), /must be http or https/);
    });
    await down.close();
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  failed++;
  console.log(`FAIL setup: ${err.stack ?? err}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
