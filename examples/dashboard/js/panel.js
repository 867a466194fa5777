// panel.js - the page of one record (an actor above all): who or what it is, its
// layers, its events in date order, what it is related to, and the evidence that
// supports it, each quote linked to its place in the article.
import { h, fill, humanize, formatInterval, count, PRECISION_LABEL } from './dom.js';
import { refId } from './layers.js';

export const COLLECTION_PATH = {
  actors: '/v1/actors',
  organizations: '/v1/organizations',
  places: '/v1/places',
  events: '/v1/events',
  threats: '/v1/threats',
  claims: '/v1/claims',
  relations: '/v1/relations',
};

// The order of the "related" groups, after layers and events.
const RELATED_ORDER = ['actors', 'organizations', 'places', 'threats', 'claims'];
const RELATED_TITLE = {
  actors: 'Connected actors',
  organizations: 'Organizations',
  places: 'Places',
  threats: 'Threats',
  claims: 'The author’s claims about it',
};

/**
 * The facts of a record that are not the article's own words: background
 * knowledge (other names, a capital, the exact date, coordinates) and the fields
 * the model infers, each with its provenance and basis.
 */
function factsBeyondArticle(r, ctx) {
  const facts = [];
  const add = (prov, field, text, basis) => facts.push({ prov, field, text, basis });
  for (const n of r.other_names ?? []) add(n.provenance, 'other_names', `also called “${n.name}”`, n.basis);
  if (r.capital_of && r.capital_of.provenance !== 'article') add(r.capital_of.provenance, 'capital_of', `capital of ${ctx.label(r.capital_of.country)}`, r.capital_of.basis);
  if (r.background_date) add(r.background_date.provenance, 'background_date', `date: ${formatInterval(r.background_date)}`, r.background_date.basis);
  if (r.coordinates) add(r.coordinates.provenance, 'coordinates', `coordinates ${r.coordinates.lat}, ${r.coordinates.lon}`, r.coordinates.basis);
  for (const n of r.field_provenance ?? []) add(n.provenance, n.field, `${humanize(n.field)}${n.value ? `: ${ctx.label(n.value)}` : ''}`, n.basis);
  return facts;
}

/**
 * The date and how it was read, spelled out (not only on hover): the interval, the
 * article's words, the precision, what is inferred and on which basis.
 */
export function dateReasoning(date) {
  const inferred = date.inferred ?? [];
  return h(
    'div',
    { class: 'panel-date' },
    h('p', {}, h('strong', { class: 'date-interval' }, date.start ? formatInterval(date) : 'undated'), ' · ', h('span', { class: `prec prec-${date.precision}` }, PRECISION_LABEL[date.precision] ?? date.precision)),
    h('p', { class: 'date-text' }, date.text ? ['The article says “', h('span', { class: 'date-words' }, date.text), '”.'] : 'The article gives no wording for the date.'),
    inferred.length ? h('p', { class: 'date-inferred' }, `Inferred: ${inferred.join(', ')}.`) : null,
    date.basis ? h('p', { class: 'date-basis' }, date.basis) : null,
  );
}

/**
 * A quote inside its paragraph of the article, the quote highlighted; the quote alone
 * when the article text is not loaded.
 */
function inContext(s, ctx) {
  const view = ctx.articleView;
  const para = view?.paragraphs.find((p) => p.start <= s.start && s.end <= p.end);
  if (!para || !Number.isInteger(s.start) || !Number.isInteger(s.end)) {
    return h('blockquote', {}, h('mark', { class: 'hl quote' }, s.quote ?? ''));
  }
  return h(
    'blockquote',
    { class: 'in-context', dataset: { paragraph: String(para.n) } },
    view.slice(para.start, s.start),
    h('mark', { class: 'hl quote' }, view.slice(s.start, s.end)),
    view.slice(s.end, para.end),
  );
}

const byDate = (a, b) => (a.date?.start ?? '9999').localeCompare(b.date?.start ?? '9999') || (a.title ?? a.id).localeCompare(b.title ?? b.id);

export class Panel {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.seq = 0;
    this.body = root.querySelector('.panel-body');
    root.querySelector('.panel-close').addEventListener('click', () => this.close());
    document.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !root.hidden) this.close();
    });
  }

  close() {
    if (this.root.hidden) return;
    this.seq++;
    this.root.hidden = true;
    this.root.dataset.id = '';
    this.ctx.onPanelClosed?.();
  }

  /** Open the page of record id of a collection (actors, organizations, ...). */
  async open(id, collection, label = null) {
    const path = COLLECTION_PATH[collection];
    if (!path) return;
    const seq = ++this.seq;
    this.root.hidden = false;
    this.root.dataset.id = id;
    this.root.dataset.collection = collection;
    this.root.dataset.state = 'loading';
    fill(this.body, h('p', { class: 'loading' }, `Loading ${label ?? id}…`));
    const base = `${path}/${encodeURIComponent(id)}`;
    let record;
    let events;
    try {
      [record, events] = await Promise.all([
        this.ctx.api.get(base),
        collection === 'actors' || collection === 'organizations' ? this.ctx.api.all(`${base}/events`).then((r) => r.data) : null,
      ]);
    } catch (err) {
      if (seq !== this.seq) return;
      this.root.dataset.state = 'error';
      fill(this.body, h('p', { class: 'error-text' }, err.message));
      return;
    }
    if (seq !== this.seq) return;
    this.render(collection, record.data && !Array.isArray(record.data) ? record.data : record, events);
    this.root.dataset.state = 'ready';
    this.body.scrollTop = 0;
    this.root.scrollTop = 0;
  }

  render(collection, r, events) {
    const ctx = this.ctx;
    const related = r.related ?? {};
    const relIds = (name) => (related[name] ?? []).map((x) => ({ id: refId(x), label: x.label ?? ctx.label(refId(x)) }));
    const eventList = (events ?? relIds('events').map((e) => ctx.records.get(e.id)?.record ?? { id: e.id, title: e.label }))
      .slice()
      .sort(byDate);
    const layerRefs = relIds('layers').length ? relIds('layers') : (r.layers ?? []).map((l) => ({ id: refId(l), label: ctx.label(refId(l)) }));
    const evidence = r.evidence ?? [];
    const kind = r.kind ?? r.type;
    const chips = (refs, type) => h('div', { class: 'chips' }, refs.map((x) => ctx.chip(x.id, { label: x.label, type })));
    fill(
      this.body,
      h(
        'header',
        { class: 'panel-head' },
        h('p', { class: 'eyebrow' }, humanize(kind ?? collection), r.role ? ` · ${r.role}` : ''),
        h('h2', { id: 'panel-title' }, r.name ?? r.title ?? r.id),
        r.aliases?.length ? h('p', { class: 'aliases' }, 'in the article also: ', r.aliases.map((a) => `“${a}”`).join(', ')) : null,
        h(
          'p',
          { class: 'prov' },
          h('span', { class: `badge prov-${r.provenance ?? 'article'}` }, r.provenance ?? 'article'),
          r.explicit === false ? h('span', { class: 'badge implied' }, 'implied, not named') : null,
          r.basis ? h('span', { class: 'basis' }, r.basis) : null,
        ),
      ),
      r.date ? dateReasoning(r.date) : null,
      r.summary ? h('p', { class: 'panel-summary' }, r.summary) : null,
      r.text && r.text !== r.summary ? h('p', { class: 'panel-summary' }, r.text) : null,
      r.hedge ? h('p', { class: 'basis' }, `Hedged as: “${r.hedge}”`) : null,
      ((facts) =>
        facts.length
          ? this.block(
              'Not in the article’s words',
              facts.length,
              h(
                'ul',
                { class: 'facts' },
                facts.map((f) =>
                  h(
                    'li',
                    { class: `fact fact-${f.prov}`, title: f.basis, dataset: { field: f.field, provenance: f.prov } },
                    h('span', { class: `badge prov-${f.prov}`, title: f.basis }, f.prov),
                    ' ',
                    h('span', { class: 'fact-text' }, f.text),
                    h('span', { class: 'basis' }, f.basis),
                  ),
                ),
              ),
            )
          : null)(factsBeyondArticle(r, ctx)),
      r.country ? h('p', { class: 'acts-for' }, 'Acts for ', ctx.chip(refId(r.country))) : null,
      this.block('Strategy layers', layerRefs.length, chips(layerRefs, 'layers')),
      collection === 'events' && !eventList.length
        ? null
        : this.block(
            'Events',
            eventList.length,
            h(
              'ol',
              { class: 'panel-events' },
              eventList.map((e) =>
                h(
                  'li',
                  {},
                  h(
                    'button',
                    { type: 'button', class: 'linkish', onclick: () => ctx.focusEvent(e.id), title: 'Show on the timeline' },
                    h('time', {}, e.date?.start ? formatInterval(e.date) : e.date ? 'undated' : ''),
                    h('span', {}, e.title ?? e.label ?? e.id),
                  ),
                ),
              ),
            ),
          ),
      RELATED_ORDER.filter((name) => relIds(name).length).map((name) =>
        this.block(RELATED_TITLE[name], relIds(name).length, chips(relIds(name), name)),
      ),
      ((ties) =>
        ties.length
          ? this.block(
              'Ties',
              ties.length,
              h('ul', { class: 'ties' }, ties.map((t) => h('li', { dataset: { relation: t.id } }, t.label ?? t.id))),
            )
          : null)(related.relations ?? []),
      this.block(
        'Evidence in the article',
        evidence.length,
        h(
          'ol',
          { class: 'evidence' },
          evidence.map((s, i) =>
            h(
              'li',
              {},
              inContext(s, ctx),
              h(
                'button',
                {
                  type: 'button',
                  class: 'linkish show-in-article',
                  onclick: () =>
                    ctx.showEvidence(
                      evidence.map((x, j) => ({ ...x, key: `panel-${j}`, label: r.name ?? r.title })),
                      `panel-${i}`,
                      { scrollPage: true },
                    ),
                },
                `¶${s.paragraph ?? '?'} · show in the article`,
              ),
            ),
          ),
        ),
      ),
      h(
        'p',
        { class: 'panel-foot' },
        h('a', { href: ctx.api.url(`${COLLECTION_PATH[collection]}/${encodeURIComponent(r.id)}`, { pretty: 'true' }).href, target: '_blank', rel: 'noopener' }, 'this record in the API ↗'),
      ),
    );
    this.root.setAttribute('aria-label', `${r.name ?? r.title ?? r.id}: ${count(eventList.length, 'event')}`);
  }

  block(title, n, body) {
    return h(
      'section',
      { class: 'panel-block', dataset: { block: title } },
      h('h3', {}, title, ' ', h('span', { class: 'n' }, String(n))),
      n ? body : h('p', { class: 'none' }, 'none in the model'),
    );
  }
}
