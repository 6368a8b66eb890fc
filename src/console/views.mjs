// The vault's views: a collection's list (paged), one object (attributes, versions, Download Backup, Delete,
// Show for a secret's value), the deleted objects (Recover, Purge), and Restore Backup per collection. Each
// view asks the REST API and draws with dom.mjs (text only, never markup from the server).
import { describe, fromBase64url, lastSegment, nameOf, toBase64url } from "./api.mjs";
import { attrList, h, replace, tagList, uid, when } from "./dom.mjs";

export const COLLECTIONS = {
  secrets: { key: "secrets", title: "Secrets", noun: "secret", deleted: "deletedsecrets", idField: "id" },
  keys: { key: "keys", title: "Keys", noun: "key", deleted: "deletedkeys", idField: "kid" },
  certificates: { key: "certificates", title: "Certificates", noun: "certificate", deleted: "deletedcertificates",
                  idField: "id" },
};

// A key's answers name it in key.kid (a bundle) or kid (a list item); the others in id.
function idOf(coll, item) { return item[coll.idField] || (item.key && item.key.kid) || item.id || ""; }
function enabledText(item) { return item.attributes && item.attributes.enabled === false ? "no" : "yes"; }
function typeText(coll, item) {
  if (coll.key === "secrets") return item.contentType || "";
  if (coll.key === "keys") return (item.key && item.key.kty) || item.kty || "";
  return item.x5t ? `x5t ${item.x5t}` : "";
}

// A table whose rows come a page at a time; "Load more" follows the server's nextLink.
async function pagedTable(ctx, first, headers, row, cls) {
  const body = h("tbody");
  const count = h("p", { class: "muted count", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "load-more" }, "Load more");
  const wrap = h("div", {},
    h("div", { class: "table-wrap" },
      h("table", { class: cls }, h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col" }, t)))), body)),
    count, more);
  let page = first, shown = 0;
  const draw = () => {
    for (const item of page.items) body.append(h("tr", {}, row(item).map((c) => h("td", {}, c))));
    shown += page.items.length;
    count.textContent = page.next ? `${shown} shown, more available` : `${shown} in all`;
    more.hidden = !page.next;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      page = await page.next();
      draw();
    } catch (e) {
      ctx.message(describe(e));
    } finally {
      more.disabled = false;
    }
  });
  draw();
  return wrap;
}

// Reads a chosen file and restores it into the collection; then shows the restored object.
function restoreControl(ctx, coll) {
  const id = uid(`restore-${coll.key}`);
  const input = h("input", { id, type: "file", class: "restore-input" });
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const restored = await ctx.vault.call("POST", `/${coll.key}/restore`, { value: blobValue(bytes) });
      const name = nameOf(idOf(coll, restored));
      ctx.message(`Restored ${coll.noun} ${name} from ${file.name}.`, "info");
      await objectView(ctx, coll, name);
    } catch (e) {
      ctx.message(`Restore Backup failed: ${describe(e)}`);
    } finally {
      input.value = "";
    }
  });
  return h("div", { class: "row" }, h("label", { for: id }, `Restore Backup (choose a .blob file of a ${coll.noun})`), input);
}

// A file as the CLI writes it holds the raw envelope bytes; base64url text or {"value": ...} (what
// `backup --value-only` and the REST answer hold) are accepted too, as `restore --file` does.
export function blobValue(bytes) {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, 64)).trimStart();
  if (text.startsWith("{")) {
    try {
      const j = JSON.parse(new TextDecoder().decode(bytes));
      if (j && typeof j.value === "string") return j.value;
    } catch { /* not JSON: raw bytes */ }
  }
  const all = new TextDecoder("utf-8", { fatal: false }).decode(bytes).trim();
  if (/^[A-Za-z0-9_-]+$/.test(all) && all.length > 64) return all;
  return toBase64url(bytes);
}

export async function collectionView(ctx, coll) {
  const main = ctx.begin(`${coll.title}`);
  main.append(h("h2", {}, `${coll.title} in ${ctx.vault.name}`), restoreControl(ctx, coll));
  const sizeId = uid("page-size");
  const size = h("select", { id: sizeId }, [5, 10, 25].map((n) => h("option", { value: n, selected: n === ctx.pageSize }, String(n))));
  size.addEventListener("change", () => { ctx.pageSize = Number(size.value); collectionView(ctx, coll); });
  main.append(h("div", { class: "row" }, h("label", { for: sizeId }, "Page size"), size));
  try {
    const first = await ctx.vault.page(`/${coll.key}`, ctx.pageSize);
    if (!ctx.current(main)) return;
    const row = (item) => {
      const name = lastSegment(idOf(coll, item));
      return [h("button", { type: "button", class: "link", onclick: () => objectView(ctx, coll, name) }, name),
              enabledText(item), when(item.attributes && item.attributes.updated), typeText(coll, item), tagList(item.tags)];
    };
    main.append(await pagedTable(ctx, first, ["Name", "Enabled", "Updated", coll.key === "keys" ? "Key type" : "Content type", "Tags"], row, "objects"));
  } catch (e) {
    main.append(h("p", { class: "error" }, describe(e)));
  }
}

export async function objectView(ctx, coll, name) {
  const main = ctx.begin(`${coll.noun} ${name}`);
  main.append(h("button", { type: "button", onclick: () => collectionView(ctx, coll) }, `Back to ${coll.title}`));
  main.append(h("h2", {}, `${coll.title.slice(0, -1)} ${name}`));
  const actions = h("div", { class: "row" });
  const detail = h("div", { class: "detail" });
  main.append(actions, detail);
  const path = `/${coll.key}/${encodeURIComponent(name)}`;
  actions.append(h("button", { type: "button", class: "primary", onclick: () => downloadBackup(ctx, coll, name) }, "Download Backup"));
  const del = h("button", { type: "button", class: "danger" }, "Delete");
  del.addEventListener("click", async () => {
    if (del.dataset.armed !== "1") {
      del.dataset.armed = "1";
      del.textContent = `Confirm: delete ${coll.noun} ${name}`;
      return;
    }
    try {
      await ctx.vault.call("DELETE", path);
      ctx.message(`Deleted ${coll.noun} ${name}; it is listed under Deleted ${coll.key} until recovered or purged.`, "info");
      await collectionView(ctx, coll);
    } catch (e) {
      ctx.message(describe(e));
    }
  });
  actions.append(del);
  try {
    if (coll.key !== "secrets") {
      // A key's or certificate's current version has no secret part in its answer; a secret's has its value,
      // so a secret's attributes come from its versions list below and the value only from Show.
      const cur = await ctx.vault.call("GET", path);
      const a = cur.attributes || {};
      detail.append(h("h3", {}, "Current version"), attrList([
        ["Id", idOf(coll, cur)],
        ["Enabled", a.enabled === false ? "no" : "yes"],
        ["Created", when(a.created)], ["Updated", when(a.updated)], ["Expires", when(a.exp)],
        ["Key type", cur.key && cur.key.kty], ["Operations", cur.key && Array.isArray(cur.key.key_ops) ? cur.key.key_ops.join(", ") : ""],
        ["Thumbprint (x5t)", cur.x5t],
        ["Subject", cur.policy && cur.policy.x509_props && cur.policy.x509_props.subject],
        ["Recovery level", a.recoveryLevel], ["Tags", tagList(cur.tags)],
      ]));
    }
    const first = await ctx.vault.page(`${path}/versions`, 25);
    if (!ctx.current(main)) return;
    const reveal = h("div", { class: "reveal" });
    const row = (item) => {
      const version = lastSegment(idOf(coll, item));
      const cells = [h("span", { class: "mono" }, version), enabledText(item), when(item.attributes && item.attributes.created),
                     when(item.attributes && item.attributes.updated), when(item.attributes && item.attributes.exp),
                     typeText(coll, item), tagList(item.tags)];
      if (coll.key === "secrets")
        cells.push(h("button", { type: "button", onclick: () => showValue(ctx, reveal, name, version) }, "Show"));
      return cells;
    };
    const headers = ["Version", "Enabled", "Created", "Updated", "Expires", coll.key === "keys" ? "Key type" : "Content type", "Tags"];
    if (coll.key === "secrets") headers.push("Value");
    detail.append(h("h3", {}, "Versions"), await pagedTable(ctx, first, headers, row, "versions"), reveal);
  } catch (e) {
    detail.append(h("p", { class: "error" }, describe(e)));
  }
}

async function showValue(ctx, reveal, name, version) {
  try {
    const s = await ctx.vault.call("GET", `/secrets/${encodeURIComponent(name)}/${encodeURIComponent(version)}`);
    const hide = h("button", { type: "button", onclick: () => replace(reveal) }, "Hide");
    replace(reveal, h("h3", {}, `Value of version ${version}`), h("pre", { class: "secret-value" }, s.value ?? ""), hide);
    hide.focus();
  } catch (e) {
    ctx.message(describe(e));
  }
}

// POST .../backup, then the REST value's bytes saved as the CLI's `backup --file` writes them (raw envelope).
export async function downloadBackup(ctx, coll, name) {
  try {
    const j = await ctx.vault.call("POST", `/${coll.key}/${encodeURIComponent(name)}/backup`);
    const bytes = fromBase64url(j.value);
    const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
    const a = h("a", { href: url, download: `${name}.blob`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    ctx.message(`Backup of ${coll.noun} ${name} saved as ${name}.blob (${bytes.length} bytes).`, "info");
  } catch (e) {
    ctx.message(`Download Backup failed: ${describe(e)}`);
  }
}

export async function deletedView(ctx, coll) {
  const main = ctx.begin(`Deleted ${coll.key}`);
  main.append(h("h2", {}, `Deleted ${coll.key} in ${ctx.vault.name}`), restoreControl(ctx, coll));
  try {
    const first = await ctx.vault.page(`/${coll.deleted}`, ctx.pageSize);
    if (!ctx.current(main)) return;
    const row = (item) => {
      const name = lastSegment(item.recoveryId || idOf(coll, item));
      const path = `/${coll.deleted}/${encodeURIComponent(name)}`;
      const recover = h("button", { type: "button" }, "Recover");
      recover.addEventListener("click", async () => {
        try {
          await ctx.vault.call("POST", `${path}/recover`);
          ctx.message(`Recovered ${coll.noun} ${name}.`, "info");
          await deletedView(ctx, coll);
        } catch (e) { ctx.message(describe(e)); }
      });
      const purge = h("button", { type: "button", class: "danger" }, "Purge");
      purge.addEventListener("click", async () => {
        if (purge.dataset.armed !== "1") {
          purge.dataset.armed = "1";
          purge.textContent = `Confirm: purge ${name} for good`;
          return;
        }
        try {
          await ctx.vault.call("DELETE", path);
          ctx.message(`Purged ${coll.noun} ${name}.`, "info");
          await deletedView(ctx, coll);
        } catch (e) { ctx.message(describe(e)); }
      });
      return [name, when(item.deletedDate), when(item.scheduledPurgeDate), tagList(item.tags), h("span", { class: "row" }, recover, purge)];
    };
    main.append(await pagedTable(ctx, first, ["Name", "Deleted", "Purge scheduled", "Tags", "Actions"], row, "deleted"));
  } catch (e) {
    main.append(h("p", { class: "error" }, describe(e)));
  }
}

