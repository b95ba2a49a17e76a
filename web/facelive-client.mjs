// The service's challenge flow for a web page: ask for a challenge, show its prompts, send the frames
// the page captured, and read the verdict the server decided. The page never decides: the server
// re-runs the whole session on the frames (docs/server.md, docs/openapi.yaml).
//
// An API key belongs on a server: a site usually puts its own endpoint in front of facelive that adds
// the key (pass its URL as baseUrl); `headers` is for that proxy's own credentials, or a key in tests.

/** An answer that is not a verdict: the server's error (status, code, requestId), or "network" and
 * "timeout" when no answer came. */
export class FaceLiveError extends Error {
  constructor(message, { status = 0, code = "network", requestId = null, detail = null } = {}) {
    super(message);
    this.name = "FaceLiveError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.detail = detail;
  }
}

export class FaceLiveClient {
  /**
   * @param {object} [options]
   * @param {string} [options.baseUrl] where /v1/... is answered ("" = this page's origin)
   * @param {Record<string,string>} [options.headers] added to every request (e.g. a proxy's credentials)
   * @param {number} [options.timeoutMs] per request; default 30000 (a verify judges many frames)
   * @param {typeof fetch} [options.fetch] the fetch to use (default: the global one)
   */
  constructor({ baseUrl = "", headers = {}, timeoutMs = 30000, fetch: fetchFn = globalThis.fetch } = {}) {
    if (typeof fetchFn !== "function") throw new TypeError("FaceLiveClient needs fetch (a browser, or Node 18 and later)");
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.headers = { ...headers };
    this.timeoutMs = timeoutMs;
    // called as a plain function: a browser's fetch throws "Illegal invocation" when called as a
    // method of another object
    this.fetch = (...args) => fetchFn(...args);
  }

  /** A new challenge: {token, actions, prompts, expiresAt (Unix s), expiresInS}. */
  async challenge() {
    const d = await this.#call("POST", "/v1/challenges", null);
    return { token: d.token, actions: d.actions, prompts: d.prompts, expiresAt: d.expires_at, expiresInS: d.expires_in_s };
  }

  /**
   * The server's verdict on the frames of one attempt at the challenge (the token is spent once the
   * frames were judged, whatever the outcome).
   * @param {string} token from challenge()
   * @param {{image: Blob|ArrayBuffer|Uint8Array, t: number}[]} frames JPEG or PNG images, t in seconds
   *   from the attempt's start, in order
   * @param {{mirrored?: boolean}} [options] mirrored: the frames are a selfie preview's
   * @returns the answer (decision "real" | "spoof" | "uncertain", outcome, challenge, events, silent, ...)
   */
  async verify(token, frames, { mirrored = false } = {}) {
    if (typeof token !== "string" || !/^[A-Za-z0-9._-]+$/.test(token)) throw new TypeError("verify needs the challenge's token");
    if (!Array.isArray(frames) || frames.length === 0) throw new TypeError("verify needs at least one frame");
    const form = new FormData();
    frames.forEach((f, i) => {
      if (!Number.isFinite(f?.t)) throw new TypeError(`frame ${i} needs its time t in seconds`);
      const blob = f.image instanceof Blob ? f.image : new Blob([f.image]);
      form.append("frame", blob, `${i}.jpg`);
    });
    form.append("timestamps", frames.map((f) => String(f.t)).join(","));
    form.append("mirrored", mirrored ? "true" : "false");
    return this.#call("POST", `/v1/challenges/${token}/verify`, form);
  }

  /** Whether an answer of verify() is a pass: only decision "real" is. */
  static passed(answer) {
    return answer?.decision === "real";
  }

  async #call(method, path, body) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), this.timeoutMs);
    let r, text;
    try {
      r = await this.fetch(this.baseUrl + path, { method, body, headers: this.headers, signal: ctrl.signal });
      text = await r.text();
    } catch (e) {
      const timedOut = ctrl.signal.aborted;
      throw new FaceLiveError(timedOut ? `no answer within ${this.timeoutMs} ms` : `the service cannot be reached: ${e.message}`,
                              { code: timedOut ? "timeout" : "network" });
    } finally {
      clearTimeout(timer);
    }
    let doc = null;
    try {
      doc = JSON.parse(text);
    } catch {
      // not JSON: a proxy's page, say; reported below
    }
    if (r.ok && doc) return doc;
    const err = doc?.error ?? {};
    throw new FaceLiveError(err.message ?? `HTTP ${r.status} without a facelive answer`, {
      status: r.status, code: err.code ?? "bad_answer", requestId: doc?.request_id ?? r.headers.get("x-request-id"),
      detail: err.detail ?? null,
    });
  }
}
