// Blob verification for an auditor: pick a .blob file, see its manifest, its signer and the verdict. The
// server judges (POST /blobs/verify: the signature, the digests and the signer against this home's registry
// of trusted signers); nothing is restored and no key in the token is used.
import { describe } from "./api.mjs";
import { attrList, h, replace, uid, when } from "./dom.mjs";
import { blobValue } from "./views.mjs";

function ok(flag) { return flag === true ? "passed" : flag === false ? "FAILED" : ""; }

export function verifyView(ctx) {
  const main = ctx.begin("Verify a blob");
  const id = uid("verify-file");
  const input = h("input", { id, type: "file", class: "verify-input" });
  const out = h("div", { class: "verify-result", "aria-live": "polite" });
  main.append(
    h("h2", {}, "Verify a backup blob"),
    h("p", {}, "Choose a .blob file (as Download Backup or `coldvault secret|key|certificate backup --file` " +
      "write it). The server checks its signature, digests and signer against this home's trusted signers; " +
      "the blob is not restored."),
    h("div", { class: "row" }, h("label", { for: id }, "Blob file to verify"), input), out);
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    replace(out, h("p", { class: "muted" }, `Verifying ${file.name}...`));
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const r = await ctx.vault.call("POST", "/blobs/verify", { value: blobValue(bytes) });
      const valid = r.verdict === "valid";
      const m = (r.report && r.report.manifest) || (r.inspect && r.inspect.manifest) || {};
      const chain = (r.report && r.report.chain) || {};
      const signer = (r.inspect && r.inspect.signer) || {};
      replace(out,
        h("p", { class: `verdict ${valid ? "valid" : "invalid"}` }, valid ? `Valid: ${file.name}` : `Invalid: ${file.name}`),
        h("h3", {}, "Manifest"),
        attrList([["Type", m.type], ["Name", m.name], ["Vault", m.vault], ["Vault URL", m.vaultUrl || m.vault_url],
                  ["Versions", Array.isArray(m.versions) ? String(m.versions.length) : ""],
                  ["Current version", m.current], ["Created", when(m.created)], ["Security domain", m.domain]]),
        h("h3", {}, "Signer"),
        attrList([["Subject", chain.subject || signer.subject], ["Issuer", chain.issuer || signer.issuer],
                  ["Certificate SHA-256", chain.sha256 || signer.sha256],
                  ["Trusted by", r.report && r.report.anchor ? `${r.report.anchor.kind || ""} ${r.report.anchor.label || r.report.anchor.subject || ""}`.trim() : "no entry of this home's signer registry"]]),
        h("h3", {}, "Checks"),
        attrList([["Signature", ok(r.report && r.report.signature && r.report.signature.ok)],
                  ["Digest", ok(r.report && r.report.digest && r.report.digest.ok)],
                  ["Signer matches manifest", ok(r.report && r.report.signerMatchesManifest)],
                  ["Chain to a trusted signer", ok(chain.ok)],
                  ["Why not", chain.error || (r.report && r.report.signature && r.report.signature.error) || ""],
                  ["Blob SHA-256", r.report && r.report.sha256]]));
    } catch (e) {
      replace(out, h("p", { class: "verdict refused" }, `Refused: ${file.name}`), h("p", {}, describe(e)));
    } finally {
      input.value = "";
    }
  });
}
