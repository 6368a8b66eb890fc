// A client as a user writes it: DefaultAzureCredential, default client options (challenge-resource
// verification on), the vault URL from the environment `serve --ephemeral` printed. Run by
// drop_in.test.mjs in a child process that has that environment; prints one JSON line of results.
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { KeyClient, CryptographyClient } from "@azure/keyvault-keys";
import { CertificateClient, DefaultCertificatePolicy } from "@azure/keyvault-certificates";
import { createHash } from "node:crypto";

const url = process.env.AZURE_KEYVAULT_URL;
const credential = new DefaultAzureCredential();
const out = {};
const secrets = new SecretClient(url, credential);
await secrets.setSecret("js-drop-in", "from js");
out.secret = (await secrets.getSecret("js-drop-in")).value;
out.secretId = (await secrets.getSecret("js-drop-in")).properties.id;
const keys = new KeyClient(url, credential);
const key = await keys.createEcKey("js-drop-in-ec", { curve: "P-256" });
const crypto = new CryptographyClient(key.id, credential);
const digest = createHash("sha256").update("js").digest();
const sig = await crypto.sign("ES256", digest);
out.verified = (await crypto.verify("ES256", digest, sig.result)).result;
const certs = new CertificateClient(url, credential);
const poller = await certs.beginCreateCertificate("js-drop-in-cert", DefaultCertificatePolicy);
const cert = await poller.pollUntilDone();
out.certName = cert.name;
out.certHasCer = cert.cer?.length > 0;
out.subject = cert.policy?.subject;
console.log(JSON.stringify(out));
