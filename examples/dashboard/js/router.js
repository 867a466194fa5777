// router.js - the dashboard's state in the URL's hash, so that Back works and a link
// can be shared: "#<view>[/<collection>/<id>][?layer=…&actor=…&from=…&to=…&date_mode=within]".
//
//   #timeline                                the timeline
//   #network/actors/russia?layer=layer-3-russia
//                                            the network, Russia's page open, one layer
//   #actors/russia                           (older links) Russia's page over its view
//
// go() pushes a history entry (or replaces the current one); every change, whether
// from go(), a link, Back or Forward, reaches the listener through `hashchange`.

export const VIEWS = ['layers', 'timeline', 'network', 'claims', 'search'];
export const FILTER_KEYS = ['layer', 'actor', 'from', 'to', 'date_mode'];

/** The view that shows a record of a collection best, for links without a view. */
const HOME = { actors: 'network', organizations: 'network', events: 'timeline', claims: 'claims' };

/** {view, sel: {collection, id} | null, filters: {layer, actor, from, to}} of a hash. */
export function parseHash(hash) {
  const raw = String(hash ?? '').replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const parts = path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  let view = null;
  if (VIEWS.includes(parts[0])) view = parts.shift();
  const sel = parts.length >= 2 ? { collection: parts[0], id: parts.slice(1).join('/') } : null;
  if (!view) view = (sel && HOME[sel.collection]) || 'layers';
  const filters = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) filters[k] = v;
  }
  return { view, sel, filters };
}

export function formatHash({ view, sel, filters }) {
  let out = `#${view}`;
  if (sel) out += `/${encodeURIComponent(sel.collection)}/${encodeURIComponent(sel.id)}`;
  const params = new URLSearchParams();
  for (const k of FILTER_KEYS) if (filters?.[k]) params.set(k, filters[k]);
  const qs = params.toString();
  return qs ? `${out}?${qs}` : out;
}

export class Router {
  /** onchange(state, previous): called for every state the URL takes, also the first. */
  constructor(onchange) {
    this.onchange = onchange;
    this.state = null;
    window.addEventListener('hashchange', () => this.sync());
  }

  /** Apply the current URL (at start, and after every hash change). */
  sync() {
    const previous = this.state;
    this.state = parseHash(location.hash);
    const canonical = formatHash(this.state);
    if (location.hash !== canonical) history.replaceState(history.state, '', canonical);
    this.onchange(this.state, previous);
  }

  /** Change part of the state: {view}, {sel}, {filters} (a new history entry). */
  go(change, { replace = false } = {}) {
    const next = { ...this.state, ...change };
    const hash = formatHash(next);
    if (hash === location.hash) return;
    if (replace) {
      history.replaceState(history.state, '', hash);
      this.sync();
    } else {
      location.hash = hash;
    }
  }
}
