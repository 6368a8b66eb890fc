// Whole-vault backup jobs (POST /backup, GET /backup/{jobId}/pending; docs/rest.md "Bundle jobs"): start one,
// follow its progress, see where the bundle was written, and download it (GET /backup/{jobId}/bundle, up to
// 64 MiB; a bigger bundle is copied from the server's --bundle-dir).
import { describe, lastSegment } from "./api.mjs";
import { attrList, h, replace, when } from "./dom.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function jobDetails(job) {
  const c = job.counts || {};
  return attrList([
    ["Status", job.status], ["Details", job.statusDetails], ["Job id", job.jobId],
    ["Started", when(job.startTime)], ["Ended", when(job.endTime)],
    ["Bundle file", job.file || lastSegment(job.azureStorageBlobContainerUri)],
    ["Bundle id", job.bundleId], ["Bytes", job.bytes],
    ["Objects", Object.keys(c).length ? Object.entries(c).map(([k, v]) => `${k}: ${v}`).join(", ") : ""],
    ["Manifest SHA-256", job.manifestSha256],
    ["Error", job.error && job.error.message],
  ]);
}

async function downloadBundle(ctx, job) {
  try {
    const bytes = await ctx.vault.bytes("GET", `/backup/${encodeURIComponent(job.jobId)}/bundle`);
    const name = job.file || `${job.jobId}.cvb`;
    const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
    const a = h("a", { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    ctx.message(`Bundle saved as ${name} (${bytes.length} bytes).`, "info");
  } catch (e) {
    ctx.message(`Download bundle failed: ${describe(e)}`);
  }
}

export function bundlesView(ctx) {
  const main = ctx.begin("Vault backup");
  const out = h("div", { class: "job", "aria-live": "polite" });
  const start = h("button", { type: "button", class: "primary" }, "Start whole-vault backup");
  main.append(
    h("h2", {}, `Whole-vault backup of ${ctx.vault.name}`),
    h("p", {}, "Writes every object of the vault, at one instant, into a bundle file in the server's " +
      "--bundle-dir (docs/bundle-format.md). `coldvault bundle verify` checks it offline and " +
      "`coldvault restore start` restores it."),
    h("div", { class: "row" }, start), out);
  start.addEventListener("click", async () => {
    start.disabled = true;
    try {
      let job = await ctx.vault.call("POST", "/backup", {});
      replace(out, h("h3", {}, "Backup job"), jobDetails(job));
      while (job.status === "InProgress" && ctx.current(main)) {
        await sleep(1000);
        job = await ctx.vault.call("GET", `/backup/${encodeURIComponent(job.jobId)}/pending`);
        replace(out, h("h3", {}, "Backup job"), jobDetails(job));
      }
      if (job.status === "Succeeded") {
        ctx.message(`The vault backup is written: ${job.file || job.jobId}.`, "info");
        const done = job;
        out.append(h("div", { class: "row" },
          h("button", { type: "button", class: "primary", onclick: () => downloadBundle(ctx, done) }, "Download bundle")));
      }
      else if (job.status === "Failed") ctx.message(`The vault backup failed: ${(job.error && job.error.message) || job.statusDetails}`);
    } catch (e) {
      ctx.message(`Whole-vault backup: ${describe(e)}`);
    } finally {
      start.disabled = false;
    }
  });
}
