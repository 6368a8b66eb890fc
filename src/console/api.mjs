// The console's only way to a vault: the public REST API of this server, the same one the SDKs use. The
// bearer token lives in this module's memory only (no cookie, no storage: nothing a page reload keeps and
// nothing the browser sends by itself, so no CSRF), and is never put in a URL, a message or the DOM.

export const API_VERSION = "2025-07-01";
const MGMT_API_VERSION = "2023-07-01";

let token = "";
export function setToken(t) { token = t; }

// The vault could not be reached at all (network, certificate, or a CORS refusal: fetch cannot tell which).
export class NetworkError extends Error {}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// What to tell the user about a failed call, in words that never include the token.
export function describe(err) {
  if (err instanceof ApiError) {
    if (err.status === 401)
      return "The token was refused by this vault (401 Unauthorized): it is unknown, revoked, expired or made " +
        "for another vault. Paste a token made for this vault.";
    if (err.status === 403) return `The token is valid but may not do this (403 Forbidden): ${err.message}`;
    return `${err.message} (HTTP ${err.status}${err.code ? ", " + err.code : ""})`;
  }
  if (err instanceof NetworkError)
    return "Could not reach the vault. If it is another vault of this server, your browser may not trust its " +
      "address yet: open that vault's /console/ page once and accept its certificate.";
  return `Unexpected error in the console: ${err && err.message}`;
}

// base64url (no padding) <-> bytes, as the REST `value` of a backup blob is written.
export function toBase64url(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
export function fromBase64url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// One vault of this server, reached at `origin` (this page's own, or https://<vault>.vault.localhost:<port>).
export class Vault {
  constructor(origin, name) {
    this.origin = origin;
    this.name = name;
  }

  url(path, query = {}) {
    const u = new URL(path, this.origin);
    u.searchParams.set("api-version", path.startsWith("/subscriptions/") ? MGMT_API_VERSION : API_VERSION);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, String(v));
    return u.href;
  }

  // fetch with the token. `url` must be on this vault's origin: a nextLink elsewhere would get the token.
  // Resolves with the Response of a 2xx answer; anything else is an ApiError (or a NetworkError).
  async send(method, url, body) {
    if (new URL(url).origin !== this.origin) throw new ApiError(0, "", "The server sent a link to another origin.");
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let res;
    try {
      res = await fetch(url, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit", cache: "no-store", redirect: "error", referrerPolicy: "no-referrer",
      });
    } catch {
      throw new NetworkError("unreachable");
    }
    if (!res.ok) {
      let e = {};
      try { e = (await res.json()).error || {}; } catch { /* no JSON body */ }
      throw new ApiError(res.status, e.code || "", e.message || res.statusText || "The request failed.");
    }
    return res;
  }

  async fetchJson(method, url, body) {
    const text = await (await this.send(method, url, body)).text();
    try { return text ? JSON.parse(text) : undefined; } catch { return undefined; }
  }

  call(method, path, body, query) { return this.fetchJson(method, this.url(path, query), body); }
  // A binary answer (a bundle file) as bytes.
  async bytes(method, path) {
    return new Uint8Array(await (await this.send(method, this.url(path))).arrayBuffer());
  }

  // One page of a list: {items, next} where next() fetches the following page or is null.
  async page(path, maxresults) {
    return this.pageAt(this.url(path, { maxresults }));
  }
  async pageAt(url) {
    const j = await this.fetchJson("GET", url);
    const items = Array.isArray(j && j.value) ? j.value : [];
    const next = j && typeof j.nextLink === "string" && j.nextLink ? j.nextLink : null;
    return { items, next: next ? () => this.pageAt(next) : null };
  }
}

// Vault names from the management API (admin tokens only; others get a 401 there).
export async function listVaults(vault) {
  const j = await vault.call("GET", "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.KeyVault/vaults");
  return (Array.isArray(j && j.value) ? j.value : []).map((v) => v.name).filter((n) => typeof n === "string");
}

// The last segment of an id: an object's name or a version id.
export function lastSegment(id) {
  const parts = String(id || "").split("/").filter(Boolean);
  return parts.length ? decodeURIComponent(parts[parts.length - 1]) : "";
}
// "https://v.localhost/secrets/name/version" -> "name"
export function nameOf(id) {
  const parts = new URL(id).pathname.split("/").filter(Boolean);
  return parts.length >= 2 ? decodeURIComponent(parts[1]) : "";
}
