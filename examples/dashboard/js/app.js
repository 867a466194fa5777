// app.js - wires the dashboard: reads the API base URL, loads the model through the
// public API, and renders each section (each one fails on its own, visibly).
import { defaultApi } from '/config.js';
import { Api } from './api.js';
import { h, fill, humanize, count } from './dom.js';
import { ArticleView } from './article.js';
import { renderLayers, refId } from './layers.js';
import { renderTimeline, filterTimeline } from './timeline.js';
import { renderGraph, NODE_STYLE, styleKey } from './graph.js';
import { SearchView } from './search.js';
import { Panel, COLLECTION_PATH } from './panel.js';
import { Router, VIEWS } from './router.js';
import { FilterBar, filteredEvents, isFiltered } from './filters.js';
import { renderClaims } from './claims.js';

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
  const labels = new Map();

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
    /** Open a record's page: a new URL (view/collection/id), so Back closes it. */
    openRecord(id, type = null, label = null) {
      const info = records.get(id);
      const collection = info?.collection ?? type;
      if (collection === 'layers') {
        ctx.flashAfterRoute = `.layer[data-layer-id="${CSS.escape(id)}"]`;
        if (ctx.router.state.view === 'layers') ctx.flashPending();
        else ctx.router.go({ view: 'layers' });
        return;
      }
      if (!COLLECTION_PATH[collection]) return;
      if (label) labels.set(id, label);
      ctx.router.go({ sel: { collection, id } });
    },
    onPanelClosed() {
      ctx.graph?.clear();
      ctx.router.go({ sel: null });
    },
    /** The timeline, this event's row flashed. */
    focusEvent(id) {
      ctx.flashAfterRoute = `#event-${CSS.escape(id)}`;
      ctx.router.go({ view: 'timeline', sel: null });
    },
    flashPending() {
      const sel = ctx.flashAfterRoute;
      ctx.flashAfterRoute = null;
      const el = sel && document.querySelector(sel);
      if (!el) return;
      el.scrollIntoView({ behavior: 'smooth', block: 'center' });
      el.classList.add('flash');
      setTimeout(() => el.classList.remove('flash'), 1600);
    },
    /** The actors, organizations and places tied to an event (for the network filter). */
    participants(eventId) {
      const e = records.get(eventId)?.record;
      if (!e) return [];
      return [...(e.participants ?? []).map(refId), refId(e.organization), refId(e.place)].filter(Boolean);
    },
    showEvidence(spans, activeKey, { scrollPage = false, source = 'record' } = {}) {
      if (!ctx.articleView) return;
      // A record's evidence replaces the search's hits: the pane lists what it shows.
      if (source !== 'search') ctx.search?.showRecord(spans, activeKey);
      ctx.articleView.highlight(spans, activeKey);
      if (scrollPage && ctx.router.state.view !== 'search') ctx.router.go({ view: 'search' });
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
      ctx.graph = renderGraph(container, $('#graph-legend'), $('#edge-legend'), g, ctx);
      ctx.graph.filter(ctx.keep ?? null, ctx.keepAlso ?? []);
      const sel = ctx.router?.state?.sel;
      if (sel) ctx.graph.select(sel.id);
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
  ctx.search = search;

  // Claims, grouped by certainty and hedge.
  const claims = api
    .all('/v1/claims')
    .then((r) => {
      index('claims', r.data, 'title');
      renderClaims($('#claims-body'), r.data, ctx);
      $('#claims-body').dataset.total = String(r.total);
    })
    .catch((err) => sectionError($('#claims-body'), err));

  // One filter state for the timeline and the network, kept in the URL.
  const filterBar = new FilterBar($('#filters'), {
    layers: ok(layers),
    people,
    onchange: (filters) => ctx.router.go({ filters }),
  });
  let filterSeq = 0;
  const applyFilters = async (filters) => {
    const seq = ++filterSeq;
    const form = $('#filters');
    form.dataset.state = 'loading';
    filterBar.show(filters);
    let keep;
    try {
      keep = await filteredEvents(api, filters);
    } catch (err) {
      if (seq !== filterSeq) return;
      form.dataset.state = 'error';
      filterBar.count(err.problem?.detail ?? err.message);
      return;
    }
    if (seq !== filterSeq) return;
    const layer = filters.layer ? ctx.records.get(filters.layer)?.record : null;
    ctx.keep = keep;
    ctx.keepAlso = [filters.actor, filters.layer, ...(layer?.partners ?? []).map(refId)].filter(Boolean);
    const shown = filterTimeline($('#timeline-body'), keep);
    ctx.graph?.filter(keep, ctx.keepAlso);
    filterBar.count(isFiltered(filters) ? `${count(shown, 'event')} of ${$('#timeline-body').dataset.total ?? '?'}` : '');
    form.dataset.applied = JSON.stringify(filters);
    form.dataset.shown = String(shown);
    form.dataset.state = 'ready';
  };

  await Promise.all([timeline, graph, searched, claims]);

  // Routing: the view, the open record and the filters all come from the URL.
  const navLinks = [...document.querySelectorAll('#views-nav a')];
  ctx.router = new Router((state, prev) => {
    if (!VIEWS.includes(state.view)) return;
    document.body.dataset.view = state.view;
    for (const a of navLinks) {
      if (a.dataset.view === state.view) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (!prev || JSON.stringify(prev.filters) !== JSON.stringify(state.filters)) applyFilters(state.filters);
    if (state.view === 'network') requestAnimationFrame(() => ctx.graph?.fit());
    if (!prev || prev.view !== state.view) window.scrollTo({ top: 0, behavior: 'instant' });
    const same = (a, b) => (a && b ? a.collection === b.collection && a.id === b.id : a === b);
    if (!prev || !same(prev.sel, state.sel)) {
      if (state.sel) {
        ctx.graph?.select(state.sel.id);
        panel.open(state.sel.id, state.sel.collection, labels.get(state.sel.id) ?? records.get(state.sel.id)?.label);
      } else {
        panel.close();
      }
    }
    if (ctx.flashAfterRoute) requestAnimationFrame(() => ctx.flashPending());
  });
  // Nav links keep the open record and the filters; only the view changes.
  for (const a of navLinks) {
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      ctx.router.go({ view: a.dataset.view });
    });
  }
  ctx.router.sync();
  window.strataDashboard = ctx;
  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  banner('The dashboard failed to start.', err.message);
  throw err;
});
