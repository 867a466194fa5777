// article.js - the source text, with evidence spans highlighted by their offsets.
//
// Offsets count Unicode code points (docs/MODEL.md), so the text is sliced as
// Array.from(text), never with String.prototype.slice (which counts UTF-16 units:
// a curly quote is one of each, but an emoji or a rare CJK character is not).
import { h, fill } from './dom.js';

/** Paragraphs {n, start, end} from the text itself (blank-line separated). */
export function splitParagraphs(cps) {
  const out = [];
  let start = 0;
  let n = 1;
  let end = cps.length;
  while (end > 0 && cps[end - 1] === '\n') end--;
  for (let i = 0; i <= end; i++) {
    if (i === end || (cps[i] === '\n' && cps[i + 1] === '\n')) {
      if (i > start) out.push({ n: n++, start, end: i });
      while (i < end && cps[i] === '\n') i++;
      start = i;
    }
  }
  return out;
}

export class ArticleView {
  /** root: the element that holds the text; article: the /v1/article?include=text answer. */
  constructor(root, article) {
    this.root = root;
    this.cps = Array.from(article.text ?? '');
    const given = Array.isArray(article.paragraphs) ? article.paragraphs : [];
    this.paragraphs = given.length
      ? given.map((p, i) => ({
          n: p.n ?? p.number ?? p.paragraph ?? i + 1,
          start: p.start,
          end: p.end,
        }))
      : splitParagraphs(this.cps);
    this.spans = [];
    this.render();
  }

  get length() {
    return this.cps.length;
  }

  /** The text at [start, end), in code points. */
  slice(start, end) {
    return this.cps.slice(start, end).join('');
  }

  /**
   * Highlight spans [{start, end, key, label, cls}] (out-of-range ones are dropped;
   * cls is "hl" for an evidence span, the default, or "term" for a matched word);
   * the span whose key is activeKey is emphasised and scrolled into view.
   * Returns the number of spans drawn.
   */
  highlight(spans, activeKey = null, { scroll = true } = {}) {
    this.spans = spans.filter(
      (s) => Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.start < s.end && s.end <= this.cps.length,
    );
    this.activeKey = activeKey;
    this.render();
    const active = this.root.querySelector('mark.active');
    if (active && scroll) {
      // Scroll inside the article pane only; the caller decides about the page.
      const pane = this.root;
      const top =
        active.getBoundingClientRect().top - pane.getBoundingClientRect().top + pane.scrollTop - pane.clientHeight / 3;
      pane.scrollTo({ top: Math.max(0, top), behavior: 'smooth' });
    }
    return this.spans.length;
  }

  render() {
    const nodes = this.paragraphs.map((p) => {
      const cls = p.n === 1 ? 'para title' : p.n === 2 ? 'para byline' : 'para';
      return h(
        'p',
        { class: cls, dataset: { n: String(p.n), start: String(p.start), end: String(p.end) } },
        p.n > 2 ? h('span', { class: 'para-n', 'aria-hidden': 'true' }, `¶${p.n}`) : null,
        this.renderRange(p.start, p.end),
      );
    });
    fill(this.root, nodes);
  }

  renderRange(start, end) {
    const inside = this.spans.filter((s) => s.start < end && s.end > start);
    if (!inside.length) return this.slice(start, end);
    const cuts = new Set([start, end]);
    for (const s of inside) {
      cuts.add(Math.max(start, s.start));
      cuts.add(Math.min(end, s.end));
    }
    const points = [...cuts].sort((a, b) => a - b);
    const out = [];
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i];
      const b = points[i + 1];
      const cover = inside.filter((s) => s.start <= a && s.end >= b);
      const text = this.slice(a, b);
      if (!cover.length) {
        out.push(text);
        continue;
      }
      const active = cover.some((s) => s.key === this.activeKey);
      const classes = new Set(cover.map((s) => s.cls ?? 'hl'));
      if (cover.filter((s) => (s.cls ?? 'hl') === 'hl').length > 1) classes.add('overlap');
      if (active) classes.add('active');
      out.push(
        h(
          'mark',
          {
            class: [...classes].join(' '),
            title: [...new Set(cover.map((s) => s.label).filter(Boolean))].join('\n') || null,
            dataset: { start: String(a), end: String(b), keys: [...new Set(cover.map((s) => s.key))].join(' ') },
          },
          text,
        ),
      );
    }
    return out;
  }
}
