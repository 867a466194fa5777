// api.js - the only module that talks to Strata: fetch, problem details, pagination.
//
// Requests are plain cross-origin GETs without custom headers, so the browser sends
// no preflight, and its HTTP cache revalidates with If-None-Match using the API's
// ETags (a 304 is answered from the cache transparently).

export class ApiError extends Error {
  constructor(message, { status = 0, url = '', problem = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.url = url;
    this.problem = problem;
  }
}

export class Api {
  /**
   * base: the API's base URL ("http://127.0.0.1:8080"); pageSize: the `limit`
   * sent with collection requests (null: the API's default).
   */
  constructor(base, { pageSize = null } = {}) {
    this.base = new URL(base.endsWith('/') ? base : `${base}/`);
    this.pageSize = pageSize;
    this.requests = 0;
  }

  /**
   * An absolute URL for an API path or a link the API gave ("/v1/actors",
   * "/v1/events?offset=50", "http://host/v1/..."). Paths resolve under the base,
   * so a base with a path prefix (a reverse proxy) keeps it.
   */
  url(path, params = {}) {
    const u = /^[a-z][a-z0-9+.-]*:/i.test(path)
      ? new URL(path)
      : new URL(path.replace(/^\/+/, ''), this.base);
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
    }
    return u;
  }

  /** GET a JSON document; ApiError on a network/CORS failure or a non-2xx answer. */
  async get(path, params = {}) {
    const url = this.url(path, params);
    let res;
    this.requests++;
    try {
      res = await fetch(url, { mode: 'cors', credentials: 'omit' });
    } catch (err) {
      throw new ApiError(`cannot reach the API at ${this.base.origin} (${err.message})`, {
        url: url.href,
      });
    }
    const type = res.headers.get('Content-Type') ?? '';
    let body = null;
    try {
      body = type.includes('json') ? await res.json() : await res.text();
    } catch (err) {
      throw new ApiError(`unreadable answer from ${url.pathname}: ${err.message}`, {
        status: res.status,
        url: url.href,
      });
    }
    if (!res.ok) {
      const detail = body && typeof body === 'object' ? body.detail || body.title : String(body).trim();
      throw new ApiError(`${url.pathname}${url.search}: ${res.status} ${detail || res.statusText}`, {
        status: res.status,
        url: url.href,
        problem: typeof body === 'object' ? body : null,
      });
    }
    return body;
  }

  /**
   * Every record of a collection: follows `links.next` until there is none.
   * Returns {data, total, pages}. `total` is the API's meta.total.
   */
  async all(path, params = {}) {
    const first = { ...params };
    if (this.pageSize && first.limit === undefined) first.limit = this.pageSize;
    let page = await this.get(path, first);
    const data = [...(page.data ?? [])];
    const total = page.meta?.total ?? data.length;
    const seen = new Set();
    let pages = 1;
    while (page.links?.next) {
      const next = this.url(page.links.next).href;
      if (seen.has(next) || pages > 1000) throw new ApiError(`${path}: pagination does not end`);
      seen.add(next);
      page = await this.get(next);
      data.push(...(page.data ?? []));
      pages++;
    }
    if (data.length !== total) {
      throw new ApiError(`${path}: meta.total says ${total} but the pages held ${data.length}`);
    }
    return { data, total, pages, extra: page };
  }
}
