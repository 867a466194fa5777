// search.js - /v1/search: the records that match, the passages of the article that
// match (evidence spans, deduplicated), and those passages highlighted in the
// article with the matched words marked, all by code-point offsets.
import { h, fill, humanize, count } from './dom.js';

const isSpan = (s) => s && Number.isInteger(s.start) && Number.isInteger(s.end) && s.start < s.end;

/** Split hits into records and passages (evidence hits grouped by their span). */
export function groupHits(hits) {
  const records = [];
  const passages = new Map();
  for (const hit of hits) {
    if (!isSpan(hit)) {
      records.push(hit);
      continue;
    }
    const key = `p-${hit.start}-${hit.end}`;
    let p = passages.get(key);
    if (!p) {
      p = { key, start: hit.start, end: hit.end, paragraph: hit.paragraph, snippet: hit.snippet, terms: [], supports: [] };
      passages.set(key, p);
    }
    for (const t of hit.highlights ?? []) {
      if (isSpan(t) && !p.terms.some((x) => x.start === t.start && x.end === t.end)) p.terms.push(t);
    }
    const rec = hit.record;
    if (rec && !p.supports.some((x) => x.id === rec.id)) p.supports.push(rec);
  }
  return { records, passages: [...passages.values()] };
}

/**
 * A snippet as nodes: <mark>…</mark> (or <b>…</b>) around matched terms becomes
 * <mark> elements; everything else stays text.
 */
export function renderSnippet(snippet) {
  const out = [];
  const re = /<(mark|b|strong|em)>(.*?)<\/\1>/gs;
  let last = 0;
  for (const m of snippet.matchAll(re)) {
    if (m.index > last) out.push(snippet.slice(last, m.index));
    out.push(h('mark', { class: 'term' }, m[2]));
    last = m.index + m[0].length;
  }
  if (last < snippet.length) out.push(snippet.slice(last));
  return out;
}

export class SearchView {
  constructor(els, ctx) {
    this.els = els;
    this.ctx = ctx;
    this.seq = 0;
    this.passages = [];
    els.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.run(els.input.value);
    });
  }

  setExamples(words) {
    fill(
      this.els.examples,
      'Try: ',
      words.map((w) => h('button', { type: 'button', class: 'example', onclick: () => this.run(w) }, w)),
    );
  }

  /** The passage's text from the article, its matched words marked. */
  passageText(p) {
    const article = this.ctx.articleView;
    if (!article) return p.snippet ? renderSnippet(p.snippet) : '';
    const terms = p.terms.filter((t) => t.start >= p.start && t.end <= p.end).sort((a, b) => a.start - b.start);
    const out = [];
    let at = p.start;
    for (const t of terms) {
      if (t.start < at) continue;
      if (t.start > at) out.push(article.slice(at, t.start));
      out.push(h('mark', { class: 'term' }, article.slice(t.start, t.end)));
      at = t.end;
    }
    if (at < p.end) out.push(article.slice(at, p.end));
    return out;
  }

  async run(q) {
    const query = q.trim();
    this.els.input.value = query;
    const seq = ++this.seq;
    if (!query) {
      fill(this.els.status, 'Type a word or a name to search the model and its evidence.');
      fill(this.els.hits);
      this.passages = [];
      this.ctx.showEvidence([], null, { scroll: false, source: 'search' });
      return;
    }
    fill(this.els.status, `Searching for “${query}”…`);
    let result;
    try {
      result = await this.ctx.api.all('/v1/search', { q: query });
    } catch (err) {
      if (seq !== this.seq) return;
      fill(this.els.status, h('span', { class: 'error-text' }, err.problem?.detail ?? err.message));
      fill(this.els.hits);
      return;
    }
    if (seq !== this.seq) return;
    const { records, passages } = groupHits(result.data);
    this.passages = passages;
    this.els.root.dataset.query = query;
    this.els.root.dataset.showing = '';
    this.els.root.dataset.hits = String(result.total);
    fill(
      this.els.status,
      result.total
        ? [
            h('strong', {}, count(result.total, 'hit')),
            ` for “${query}”: ${count(records.length, 'record')}, ${count(passages.length, 'passage')} of the article (highlighted on the right).`,
          ]
        : `No hits for “${query}”.`,
    );
    fill(
      this.els.hits,
      records.length
        ? h(
            'li',
            { class: 'hit-records' },
            h('h4', {}, 'Records'),
            this.recordChips(records),
          )
        : null,
      passages.length ? h('li', { class: 'hit-heading' }, h('h4', {}, 'Passages')) : null,
      passages.map((p) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'hit',
              dataset: { key: p.key, start: String(p.start), end: String(p.end) },
              onclick: () => this.select(p.key),
            },
            h('span', { class: 'passage' }, this.passageText(p)),
            h(
              'span',
              { class: 'hit-foot' },
              h('span', { class: 'para-ref' }, p.paragraph ? `¶${p.paragraph}` : ''),
              p.supports.length
                ? h('span', { class: 'supports' }, 'supports ', p.supports.map((r, i) => [i ? '; ' : '', h('span', { class: 'sup' }, r.label ?? r.id)]))
                : null,
            ),
          ),
        ),
      ),
    );
    this.select(passages[0]?.key ?? null);
  }

  /** Record hits as chips: the first few, the rest behind a button. */
  recordChips(records, shown = 8) {
    const box = h('div', { class: 'chips' });
    const chip = (r) => this.ctx.chip(r.id, { label: r.label, type: r.type, onopen: () => this.highlightRecord(r) });
    fill(box, records.slice(0, shown).map(chip));
    if (records.length > shown) {
      const more = h(
        'button',
        {
          type: 'button',
          class: 'more',
          onclick: () => {
            more.remove();
            box.append(...records.slice(shown).map(chip));
          },
        },
        `+ ${records.length - shown} more`,
      );
      box.append(more);
    }
    return box;
  }

  /** The spans of every passage (and its words) for the article view. */
  spans() {
    return this.passages.flatMap((p) => [
      { start: p.start, end: p.end, key: p.key, cls: 'hl', label: p.supports.map((r) => r.label).join('\n') },
      ...p.terms.map((t) => ({ start: t.start, end: t.end, key: p.key, cls: 'term' })),
    ]);
  }

  select(key) {
    for (const el of this.els.hits.querySelectorAll('.hit')) el.classList.toggle('active', el.dataset.key === key);
    this.ctx.showEvidence(this.spans(), key, { source: 'search' });
  }

  /**
   * A record's evidence shown in the article (a ¶ link, a page's "show in the
   * article"): the pane says whose it is and lists those passages, not the last
   * search's hits.
   */
  showRecord(spans, activeKey) {
    this.seq++;
    const label = spans.find((x) => x.label)?.label ?? 'a record';
    const passages = spans.filter((x) => (x.cls ?? 'hl') === 'hl');
    this.passages = [];
    this.els.root.dataset.query = '';
    this.els.root.dataset.hits = '0';
    this.els.root.dataset.showing = label;
    fill(this.els.status, 'Showing the evidence for “', h('strong', {}, label), `”: ${count(passages.length, 'passage')} of the article.`);
    fill(
      this.els.hits,
      passages.map((p) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: `hit${p.key === activeKey ? ' active' : ''}`,
              dataset: { key: p.key, start: String(p.start), end: String(p.end) },
              onclick: (ev) => {
                for (const el of this.els.hits.querySelectorAll('.hit')) el.classList.toggle('active', el === ev.currentTarget);
                this.ctx.articleView?.highlight(spans, p.key);
              },
            },
            h('span', { class: 'passage' }, this.ctx.articleView ? this.ctx.articleView.slice(p.start, p.end) : p.quote ?? ''),
            h('span', { class: 'hit-foot' }, h('span', { class: 'para-ref' }, p.paragraph ? `¶${p.paragraph}` : '')),
          ),
        ),
      ),
    );
  }

  /** A record hit: its own evidence in the article (fetched from its item route). */
  async highlightRecord(hit) {
    try {
      const body = await this.ctx.api.get(hit.href ?? `/v1/${hit.type}/${encodeURIComponent(hit.id)}`);
      const record = body.data ?? body;
      const spans = (record.evidence ?? []).map((s, i) => ({ ...s, key: i === 0 ? 'rec' : `rec-${i}`, cls: 'hl', label: hit.label }));
      for (const el of this.els.hits.querySelectorAll('.hit')) el.classList.remove('active');
      this.ctx.showEvidence(spans, 'rec', { source: 'search' });
      fill(this.els.status, `Showing the evidence for “${hit.label ?? hit.id}” (${humanize(hit.type)}): ${count(spans.length, 'span')}.`);
    } catch (err) {
      fill(this.els.status, h('span', { class: 'error-text' }, err.message));
    }
  }
}
