// filters.js - one filter state (layer, actor, date range) for the timeline and the
// network. The state lives in the URL (router.js); the events it keeps are the API's
// own answer to /v1/events?layer=&actor=&from=&to= (its overlap rule, its matching of
// actors), so the dashboard and the API never disagree about what a filter means.
import { h, fill } from './dom.js';
import { FILTER_KEYS } from './router.js';

const MONTH = /^\d{4}-\d{2}(-\d{2})?$/;

/** True when any filter is set (date_mode alone, without dates, keeps everything). */
export const isFiltered = (filters) => FILTER_KEYS.some((k) => k !== 'date_mode' && filters?.[k]);

export class FilterBar {
  /** form: the <form> to fill; layers, people: records; onchange(filters). */
  constructor(form, { layers, people, onchange }) {
    this.form = form;
    this.onchange = onchange;
    const select = (name, label, options) =>
      h(
        'label',
        {},
        h('span', {}, label),
        h('select', { name }, h('option', { value: '' }, 'all'), options.map((o) => h('option', { value: o.id }, o.label))),
      );
    const month = (name, label) => h('label', {}, h('span', {}, label), h('input', { type: 'month', name, min: '1990-01', max: '2030-12' }));
    fill(
      form,
      select('layer', 'Layer', [...layers].sort((a, b) => a.ordinal - b.ordinal).map((l) => ({ id: l.id, label: `${l.ordinal}. ${l.name}` }))),
      select('actor', 'Actor', [...people].sort((a, b) => a.name.localeCompare(b.name)).map((p) => ({ id: p.id, label: p.name }))),
      month('from', 'From'),
      month('to', 'To'),
      h(
        'label',
        { class: 'within', title: 'Without it, an event counts when its dates overlap the range (an event dated only “2021” is in July 2021)' },
        h('span', {}, 'Dates'),
        h('span', { class: 'check' }, h('input', { type: 'checkbox', name: 'date_mode', value: 'within' }), ' wholly inside'),
      ),
      h('button', { type: 'reset', class: 'filter-clear' }, 'Clear'),
      h('output', { class: 'filter-count', name: 'count', 'aria-live': 'polite' }),
    );
    form.addEventListener('change', () => this.onchange(this.read()));
    form.addEventListener('submit', (ev) => ev.preventDefault());
    form.addEventListener('reset', (ev) => {
      ev.preventDefault();
      this.onchange({});
    });
  }

  read() {
    const out = {};
    for (const k of FILTER_KEYS) {
      const el = this.form.elements[k];
      if (el.type === 'checkbox') {
        if (el.checked) out[k] = el.value;
        continue;
      }
      const v = el.value;
      if (v && (k === 'layer' || k === 'actor' || MONTH.test(v))) out[k] = v;
    }
    return out;
  }

  /** Show the state (from the URL) in the controls. */
  show(filters) {
    for (const k of FILTER_KEYS) {
      const el = this.form.elements[k];
      const v = filters[k] ?? '';
      // <input type=month> takes YYYY-MM only; a day in the URL still filters.
      if (el.type === 'checkbox') el.checked = v === el.value;
      else el.value = el.type === 'month' ? v.slice(0, 7) : v;
    }
    this.form.dataset.active = isFiltered(filters) ? 'true' : 'false';
  }

  count(text) {
    this.form.elements.count.value = text;
  }
}

/**
 * The ids of the events the filters keep (null: no filter, every event), from the API.
 * A filter the API refuses (an unknown id in a hand-edited URL) throws its problem.
 */
export async function filteredEvents(api, filters) {
  if (!isFiltered(filters)) return null;
  const params = {};
  for (const k of FILTER_KEYS) if (filters[k]) params[k] = filters[k];
  const { data } = await api.all('/v1/events', params);
  return new Set(data.map((e) => e.id));
}
