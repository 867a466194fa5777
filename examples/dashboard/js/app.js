// app.js - wires the dashboard: reads the API base URL, loads the model through the
// public API, and renders each section (each one fails on its own, visibly).
import { defaultApi } from '/config.js';
import { Api } from './api.js';
import { h, fill, humanize, count } from './dom.js';
import { ArticleView } from './article.js';
import { renderLayers, refId } from './layers.js';
import { renderTimeline } from './timeline.js';
import { renderGraph, NODE_STYLE, styleKey } from './graph.js';
import { SearchView } from './search.js';
import { Panel, COLLECTION_PATH } from './panel.js';

const LAYER_COLORS = { 1: '#138a7e', 2: '#2f6fd0', 3: '#c0392b', 4: '#d48a00' };
const EXAMPLES = ['Taliban', 'terrorism', 'SCO', 'drills', 'refugees'];
const STAT_ORDER = ['actors', 'organizations', 'events', 'layers', 'places', 'threats', 'claims', 'evidence'];
const $ = (sel) => document.querySelector(sel);
/** An item answer's record: {"data": {...}} or the record itself. */
const unwrap = (body) => (body && body.data && !Array.isArray(body.data) ? body.data : body);

/** The API base: ?api= when given (must be an http(s) URL), else the server's default. */
function apiBase() {
  const given = new URLSearchParams(location.search).get('api');
  const base = given || defaultApi || 'http://127.0.0.1:8080';
  let u;
  try {
    u = new URL(base);
  } catch {
    throw new Error(`?api= must be an absolute URL such as http://127.0.0.1:8080, got “${base}”`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`?api= must be http or https, got “${base}”`);
  return base.replace(/\/+$/, '');
}

/** ?pageSize=N asks collections in pages of N (to see pagination at work). */
function pageSize() {
  const v = new URLSearchParams(location.search).get('pageSize');
  if (v === null) return null;
  if (!/^[1-9]\d{0,2}$/.test(v) || Number(v) > 500) throw new Error(`?pageSize= must be an integer from 1 to 500, got “${v}”`);
  return Number(v);
}

function banner(message, detail) {
  const el = $('#banner');
  fill(el, h('strong', {}, message), detail ? h('span', {}, detail) : null);
  el.hidden = false;
}

function sectionError(root, err) {
  fill(root, h('p', { class: 'error-text' }, `Could not load this section: ${err.message}`));
}

function setStatus(state, text) {
  const el = $('#api-status');
  el.dataset.state = state;
  fill(el, h('span', { class: 'dot', 'aria-hidden': 'true' }), text);
}

/** /v1/timeline: {data: {dated, undated}} or a plain collection; every item, in order. */
async function loadTimeline(api) {
  const first = await api.get('/v1/timeline');
  if (Array.isArray(first.data)) return (await api.all('/v1/timeline')).data;
  const items = [...(first.data?.dated ?? []), ...(first.data?.undated ?? [])];
  const total = first.meta?.total ?? items.length;
  if (items.length !== total) throw new Error(`/v1/timeline: meta.total says ${total} but the answer held ${items.length}`);
  return items;
}

async function main() {
  let api;
  try {
    api = new Api(apiBase(), { pageSize: pageSize() });
  } catch (err) {
    banner('Bad dashboard address.', err.message);
    setStatus('error', 'no API');
    return;
  }
  const apiLink = $('#api-link');
  apiLink.href = api.url('/').href;
  apiLink.textContent = api.base.origin + api.base.pathname.replace(/\/$/, '');
  setStatus('loading', `connecting to ${api.base.host}…`);

  /** Every record by id: {id, collection, label, kind, record}. */
  const records = new Map();
  const index = (collection, list, labelKey = 'name') => {
    for (const r of list) records.set(r.id, { id: r.id, collection, label: r[labelKey] ?? r.name ?? r.title ?? r.id, kind: r.kind ?? r.type, record: r });
  };
  const eventLayer = new Map();

  const ctx = {
    api,
    records,
    articleView: null,
    label: (id) => records.get(id)?.label ?? id,
    layerColor: (ordinal) => LAYER_COLORS[ordinal] ?? '#5d6b7a',
    eventColor: (id) => eventLayer.get(id) ?? '#5d6b7a',
    /** A button that opens a record; label/type for records outside the index. */
    chip(id, { mini = false, label = null, type = null, onopen = null } = {}) {
      const info = records.get(id);
      const collection = info?.collection ?? type ?? 'unknown';
      const key = styleKey({ type: collection, kind: info?.kind });
      const color = collection === 'layers' && info ? LAYER_COLORS[info.record.ordinal] : NODE_STYLE[key]?.color;
      return h(
        'button',
        {
          type: 'button',
          class: `chip c-${collection}${mini ? ' mini' : ''}`,
          style: { '--c': color ?? '#5d6b7a' },
          dataset: { id, collection },
          title: `${humanize(info?.kind ?? collection)}${info?.record?.summary ? ` — ${info.record.summary}` : ''}`,
          onclick: (ev) => {
            ev.stopPropagation();
            ctx.openRecord(id, collection, label);
            onopen?.();
          },
        },
        label ?? info?.label ?? id,
      );
    },
    evidenceLinks(spans, label) {
      return (spans ?? []).map((s) =>
        h(
          'button',
          {
            type: 'button',
            class: 'ev-link',
            title: `“${s.quote ?? ''}” — show in the article`,
            onclick: () => ctx.showEvidence([{ ...s, key: 'ev', label }], 'ev', { scrollPage: true }),
          },
          `¶${s.paragraph ?? '?'}`,
        ),
      );
    },
    openRecord(id, type = null, label = null) {
      const info = records.get(id);
      const collection = info?.collection ?? type;
      if (collection === 'layers') {
        const card = document.querySelector(`.layer[data-layer-id="${CSS.escape(id)}"]`);
        card?.scrollIntoView({ behavior: 'smooth', block: 'start' });
        card?.classList.add('flash');
        setTimeout(() => card?.classList.remove('flash'), 1600);
        return;
      }
      if (!COLLECTION_PATH[collection]) return;
      history.replaceState(null, '', `#${collection}/${encodeURIComponent(id)}`);
      ctx.graph?.select(id);
      panel.open(id, collection, label ?? info?.label);
    },
    onPanelClosed() {
      history.replaceState(null, '', location.pathname + location.search);
      ctx.graph?.clear();
    },
    focusEvent(id) {
      const row = document.getElementById(`event-${id}`);
      if (!row) return;
      panel.close();
      row.scrollIntoView({ behavior: 'smooth', block: 'center' });
      row.classList.add('flash');
      setTimeout(() => row.classList.remove('flash'), 1600);
    },
    showEvidence(spans, activeKey, { scrollPage = false, source = 'record' } = {}) {
      if (!ctx.articleView) return;
      if (source !== 'search') {
        $('#search-status').textContent = `Showing the evidence for “${spans[0]?.label ?? 'a record'}”.`;
        for (const el of document.querySelectorAll('.hit.active')) el.classList.remove('active');
      }
      ctx.articleView.highlight(spans, activeKey);
      if (scrollPage) $('#search').scrollIntoView({ behavior: 'smooth', block: 'start' });
    },
  };
  const panel = new Panel($('#panel'), ctx);

  // The source, the counts, and the records every section names.
  const settled = await Promise.allSettled([
    api.get('/'),
    api.get('/v1/article', { include: 'text' }),
    api.get('/v1/stats'),
    api.all('/v1/actors'),
    api.all('/v1/organizations'),
    api.all('/v1/events'),
    api.all('/v1/places'),
    api.all('/v1/layers'),
    api.all('/v1/threats'),
  ]);
  const [root, article, stats, actors, organizations, events, places, layers, threats] = settled;
  const failed = settled.filter((r) => r.status === 'rejected');
  if (failed.length === settled.length || (root.status === 'rejected' && !root.reason.status)) {
    setStatus('error', 'API unreachable');
    banner(
      `Cannot reach the Strata API at ${api.base.origin}.`,
      'Start it with `make run` (`make dashboard` expects it at STRATA_API), or point the dashboard elsewhere with ?api=http://host:port.',
    );
    for (const id of ['#layers-grid', '#timeline-body', '#graph', '#article-text']) fill($(id), h('p', { class: 'error-text' }, 'No data: the API is unreachable.'));
    return;
  }
  if (root.status === 'fulfilled') {
    const v = root.value;
    setStatus('ok', `${api.base.host} · strata ${v.version ?? '?'} · model ${v.model?.version ?? v.model_version ?? '?'}`);
  } else {
    setStatus('error', `${api.base.host}: ${root.reason.message}`);
  }
  if (failed.length) banner('Some of the model could not be loaded.', failed.map((f) => f.reason.message).join(' · '));

  const ok = (r) => (r.status === 'fulfilled' ? r.value.data : []);
  index('actors', ok(actors));
  index('organizations', ok(organizations));
  index('events', ok(events), 'title');
  index('places', ok(places));
  index('layers', ok(layers));
  index('threats', ok(threats));
  for (const l of [...ok(layers)].sort((a, b) => a.ordinal - b.ordinal)) {
    for (const e of l.events ?? []) if (!eventLayer.has(refId(e))) eventLayer.set(refId(e), LAYER_COLORS[l.ordinal]);
  }

  // Source attribution.
  if (article.status === 'fulfilled') {
    const a = unwrap(article.value);
    fill(
      $('#source'),
      h('p', { class: 'source-kicker' }, 'The model of one article'),
      h('h1', { id: 'source-title' }, a.title),
      h(
        'p',
        { class: 'byline' },
        h('span', { class: 'author' }, a.author),
        a.affiliation ? [', ', h('span', { class: 'affiliation' }, a.affiliation)] : null,
        a.publication ? [' · ', h('cite', { class: 'publication' }, a.publication)] : null,
        a.publisher ? [' (', h('span', { class: 'publisher' }, a.publisher), ')'] : null,
      ),
    );
    fill(
      $('#footer-source'),
      'Source: “', a.title, '” by ', a.author, a.affiliation ? `, ${a.affiliation}` : '',
      a.publication ? `. ${a.publication}` : '', a.publisher ? `, ${a.publisher}.` : '.',
      ' The model is an extraction from this text; every record cites its evidence.',
    );
    try {
      ctx.articleView = new ArticleView($('#article-text'), a);
    } catch (err) {
      sectionError($('#article-text'), err);
    }
  } else {
    sectionError($('#source'), article.reason);
    sectionError($('#article-text'), article.reason);
  }

  // Counts: /v1/stats, else the collections' meta.total.
  const counts = stats.status === 'fulfilled' ? unwrap(stats.value).counts ?? {} : {};
  for (const [name, r] of Object.entries({ actors, organizations, events, places, layers, threats })) {
    if (counts[name] === undefined && r.status === 'fulfilled') counts[name] = r.value.total;
  }
  fill(
    $('#stats'),
    STAT_ORDER.filter((name) => counts[name] !== undefined).map((name) =>
      h('li', {}, h('span', { class: 'n' }, String(counts[name])), humanize(name)),
    ),
  );

  // Layers.
  if (layers.status === 'fulfilled') renderLayers($('#layers-grid'), layers.value.data, ctx);
  else sectionError($('#layers-grid'), layers.reason);

  // Timeline.
  const timeline = loadTimeline(api)
    .then((items) => {
      const n = renderTimeline($('#timeline-body'), items, ctx);
      $('#timeline-body').dataset.total = String(items.length);
      fill($('#timeline-count'), `${count(n.dated, 'dated event')}, ${n.undated} undated`);
    })
    .catch((err) => sectionError($('#timeline-body'), err));

  // Network: actors and organizations, with events (or layers, places) on request.
  const graphForm = $('#graph-options');
  const drawGraph = async () => {
    const extra = [...graphForm.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
    const params = { type: ['actors', 'organizations', ...extra].join(',') };
    const url = api.url('/v1/graph', params);
    const container = $('#graph');
    container.dataset.state = 'loading';
    try {
      const g = await api.get('/v1/graph', params);
      ctx.graph?.cy.destroy();
      ctx.graph = renderGraph(container, $('#graph-legend'), g, ctx);
      container.dataset.source = url.href;
      container.dataset.state = 'ready';
    } catch (err) {
      container.dataset.state = 'error';
      sectionError(container, err);
    }
  };
  graphForm.addEventListener('change', drawGraph);
  const graph = drawGraph();

  // Everyone, beside the graph (a keyboard-friendly way in).
  const people = ok(actors).concat(ok(organizations));
  fill(
    $('#actor-list'),
    people.sort((a, b) => a.name.localeCompare(b.name)).map((r) => h('li', {}, ctx.chip(r.id))),
  );

  // Search.
  const search = new SearchView(
    { root: $('#search'), form: $('#search-form'), input: $('#search-input'), status: $('#search-status'), hits: $('#hits'), examples: $('#search-examples') },
    ctx,
  );
  search.setExamples(EXAMPLES);
  const q = new URLSearchParams(location.search).get('q');
  const searched = search.run(q ?? EXAMPLES[0]);

  await Promise.all([timeline, graph, searched]);
  const m = /^#([a-z]+)\/(.+)$/.exec(location.hash);
  if (m) ctx.openRecord(decodeURIComponent(m[2]), m[1]);
  window.strataDashboard = ctx;
  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  banner('The dashboard failed to start.', err.message);
  throw err;
});
