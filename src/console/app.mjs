// The console's shell: the token form, the vault in use, the navigation between views. Views draw into
// <main> through `ctx` (views.mjs, verify.mjs); every call goes to the REST API through api.mjs.
import { ApiError, Vault, describe, listVaults, setToken } from "./api.mjs";
import { h, replace, uid } from "./dom.mjs";
import { COLLECTIONS, collectionView, deletedView } from "./views.mjs";
import { verifyView } from "./verify.mjs";
import { bundlesView } from "./bundles.mjs";

const $ = (id) => document.getElementById(id);

// The vault a host name selects, as the server resolves it (docs/drop-in.md): <v>.vault.localhost and
// <v>.localhost name vault v; localhost and IP addresses reach the default vault.
function vaultNameOf(hostname) {
  for (const suffix of [".vault.localhost", ".localhost"])
    if (hostname.endsWith(suffix) && hostname.length > suffix.length) return hostname.slice(0, -suffix.length);
  return "the default vault";
}

// Another vault of this server: same scheme and port, host <name>.vault.localhost (CORS lets it answer).
function vaultOrigin(name) {
  return `${location.protocol}//${name.toLowerCase()}.vault.localhost${location.port ? ":" + location.port : ""}`;
}

const ctx = {
  vault: new Vault(location.origin, vaultNameOf(location.hostname)),
  pageSize: 25,
  opened: new Map(),
  viewEl: null,
  begin(title) {
    const section = h("section", { "aria-label": title });
    replace($("main"), section);
    ctx.viewEl = section;
    document.title = `${title} - ${ctx.vault.name} - coldvault console`;
    return section;
  },
  current(el) { return ctx.viewEl === el; },
  message(text, kind = "error") {
    const m = $("message");
    m.className = kind === "info" ? "message info" : "message";
    m.textContent = text;
  },
};
const home = ctx.vault;  // the vault of this page's own origin
ctx.opened.set(location.origin, home);

const views = [
  { group: "Objects" },
  { id: "secrets", label: "Secrets", run: () => collectionView(ctx, COLLECTIONS.secrets) },
  { id: "keys", label: "Keys", run: () => collectionView(ctx, COLLECTIONS.keys) },
  { id: "certificates", label: "Certificates", run: () => collectionView(ctx, COLLECTIONS.certificates) },
  { group: "Deleted" },
  { id: "deletedsecrets", label: "Deleted secrets", run: () => deletedView(ctx, COLLECTIONS.secrets) },
  { id: "deletedkeys", label: "Deleted keys", run: () => deletedView(ctx, COLLECTIONS.keys) },
  { id: "deletedcertificates", label: "Deleted certificates", run: () => deletedView(ctx, COLLECTIONS.certificates) },
  { group: "Tools" },
  { id: "vaults", label: "Vaults", run: () => vaultsView() },
  { id: "bundles", label: "Vault backup", run: () => bundlesView(ctx) },
  { id: "verify", label: "Verify a blob", run: () => verifyView(ctx) },
];

function go(id) {
  for (const b of $("nav").querySelectorAll("button")) {
    if (b.dataset.view === id) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  ctx.message("");
  views.find((v) => v.id === id).run();
}

function drawNav() {
  replace($("nav"), views.map((v) => v.group
    ? h("p", { class: "group" }, v.group)
    : h("button", { type: "button", "data-view": v.id, onclick: () => go(v.id) }, v.label)));
}

function showVault() {
  $("vault-label").textContent = `Vault: ${ctx.vault.name} (${new URL(ctx.vault.origin).host})`;
}

// A token is good for a vault when listing its secrets is not refused with 401 (a 403 means the token is
// valid but lacks that permission: the console still opens, and each view says what it may not do).
async function probe(vault) {
  try {
    await vault.call("GET", "/secrets", undefined, { maxresults: 1 });
  } catch (e) {
    if (!(e instanceof ApiError) || e.status === 401) throw e;
  }
}

async function openVault(name) {
  if (!/^[A-Za-z0-9-]{1,127}$/.test(name)) {
    ctx.message("A vault name is 1 to 127 letters, digits and hyphens.");
    return;
  }
  const origin = vaultOrigin(name);
  const vault = ctx.opened.get(origin) || new Vault(origin, name.toLowerCase());
  try {
    await probe(vault);
  } catch (e) {
    ctx.message(`Could not open vault ${name}: ${describe(e)}`);
    return;
  }
  ctx.opened.set(origin, vault);
  ctx.vault = vault;
  showVault();
  go("secrets");
}

function vaultsView() {
  const main = ctx.begin("Vaults");
  const id = uid("vault-name");
  const input = h("input", { id, type: "text", autocomplete: "off", spellcheck: "false" });
  const form = h("form", { class: "row" }, h("label", { for: id }, "Open another vault by name"), input,
                 h("button", { type: "submit" }, "Open"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    openVault(input.value.trim());
  });
  const opened = [...ctx.opened.values()].map((v) => h("li", {},
    h("button", { type: "button", class: "link", onclick: () => { ctx.vault = v; showVault(); go("secrets"); } },
      `${v.name} (${new URL(v.origin).host})`), v === ctx.vault ? " - in use" : ""));
  main.append(h("h2", {}, "Vaults"),
    h("p", {}, "A token that opens several vaults (serve --ephemeral with several --vault-name) switches " +
      "between them here without being pasted again. An admin token (coldvault token create --admin) pasted " +
      "at the start lists every vault of this server."),
    h("h3", {}, "Opened in this page"), h("ul", {}, opened), form);
}

// An admin token (token create --admin) opens no vault, only the management API: the console shows it the
// vaults of this server and says that browsing one takes that vault's token.
async function connectAdmin() {
  const names = await listVaults(ctx.vault);
  $("connect").hidden = true;
  $("workspace").hidden = false;
  $("disconnect").hidden = false;
  $("vault-label").textContent = `Admin token: the vaults of ${location.host}`;
  replace($("nav"), h("p", { class: "group" }, "Admin"), h("button", { type: "button", "aria-current": "page" }, "Vaults"));
  const main = ctx.begin("Vaults");
  main.append(h("h2", {}, "Vaults of this server"),
    h("p", {}, "An admin token manages vaults but opens none: to browse a vault, forget this token and paste " +
      "one made for that vault (coldvault token create --vault-name NAME)."),
    h("ul", { class: "vault-list" }, names.map((n) => h("li", {}, n))));
  $("nav").querySelector("button").focus();
}

async function connect(ev) {
  ev.preventDefault();
  const input = $("token");
  const token = input.value.trim();
  input.value = "";  // the token leaves the DOM; it lives in api.mjs's memory only
  if (!token) {
    ctx.message("Paste a bearer token first.");
    return;
  }
  setToken(token);
  try {
    await probe(ctx.vault);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      try {
        await connectAdmin();
        return;
      } catch { /* not an admin token either: the vault's refusal is the message */ }
    }
    setToken("");
    ctx.message(describe(e));
    input.focus();
    return;
  }
  $("connect").hidden = true;
  $("workspace").hidden = false;
  $("disconnect").hidden = false;
  showVault();
  drawNav();
  go("secrets");
  $("nav").querySelector("button").focus();
}

function disconnect() {
  setToken("");
  // The next token starts at this page's own vault, with no other vault opened.
  ctx.vault = home;
  ctx.opened = new Map([[location.origin, home]]);
  showVault();
  drawNav();
  replace($("main"));
  $("workspace").hidden = true;
  $("disconnect").hidden = true;
  $("connect").hidden = false;
  ctx.message("The token is forgotten.", "info");
  $("token").focus();
}

$("connect-form").addEventListener("submit", connect);
$("disconnect").addEventListener("click", disconnect);
showVault();
