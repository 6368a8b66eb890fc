// HSM-bound blobs against real SoftHSM tokens: round trips, binding to the domain, refusals that write
// nothing, lineage.
#include <fstream>
#include <set>
#include <thread>

#include "coldvault/backup.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/bundle_json.hpp"
#include "coldvault/keys.hpp"
#include "coldvault/lineage.hpp"
#include "hsm/vault_home.hpp"

using namespace cv;
using cvtest::VaultHome;

namespace {

class Backup : public VaultHome {
 protected:
  void SetUp() override {
    VaultHome::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(svc->create_vault({"second", 90, false}));
  }
  // Three versions with distinct attributes, tags and content types; the middle one disabled.
  std::vector<vault::SecretBundle> three_versions(const std::string& name) {
    auto s = secrets();
    std::vector<vault::SecretBundle> out;
    auto a = value("alpha");
    a.content_type = "text/plain";
    a.tags = {{"v", "1"}};
    a.attributes.exp = 4102444800;
    out.push_back(*s.set(name, a));
    auto b = value("beta");
    b.attributes.enabled = false;
    b.tags = {{"v", "2"}};
    out.push_back(*s.set(name, b));
    auto c = value("gamma");
    c.attributes.nbf = 1600000000;
    c.content_type = "application/json";
    out.push_back(*s.set(name, c));
    return out;
  }
  std::size_t count(const std::string& vault) { return cv::vault::Secrets(*svc, vault).list("", 1000)->size(); }
};

std::string str(const std::optional<SecureString>& s) { return s ? std::string(s->begin(), s->end()) : ""; }

}  // namespace

TEST_F(Backup, Secret_RoundTripIntoSecondVaultKeepsIdsAndAttributes) {
  auto made = three_versions("db-pass");
  auto blob = backup::backup_secret(*svc, "main", "db-pass");
  ASSERT_TRUE(blob) << blob.error().message;
  auto restored = backup::restore_secret(*svc, "second", *blob);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(restored->meta.version, made[2].meta.version);
  EXPECT_FALSE(restored->value);  // Key Vault answers restore without the value
  auto versions = vault::Secrets(*svc, "second").list_versions("db-pass", "", 10);
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& got = (*versions)[i].meta;
    const auto& want = made[i].meta;
    EXPECT_EQ(got.version, want.version);
    EXPECT_EQ(got.enabled, want.enabled);
    EXPECT_EQ(got.nbf, want.nbf);
    EXPECT_EQ(got.exp, want.exp);
    EXPECT_EQ(got.created, want.created);
    EXPECT_EQ(got.updated, want.updated);
    EXPECT_EQ(got.tags, want.tags);
    EXPECT_EQ(got.content_type, want.content_type);
  }
  vault::Secrets target(*svc, "second");
  EXPECT_EQ(str(target.get("db-pass", "")->value), "gamma");  // latest stays latest
  EXPECT_EQ(str(target.get("db-pass", made[0].meta.version)->value), "alpha");
  EXPECT_EQ(target.get("db-pass", made[1].meta.version).error().code, Errc::Disabled);
  auto j = vault::secret_json(*target.get("db-pass", ""), vault::Shape::Bundle);
  EXPECT_EQ(j["id"], "https://second.vault.localhost/secrets/db-pass/" + made[2].meta.version);
}

TEST_F(Backup, Secret_RestoreIntoTakenNameIsConflictAndWritesNothing) {
  three_versions("taken");
  auto blob = *backup::backup_secret(*svc, "main", "taken");
  auto live = backup::restore_secret(*svc, "main", blob);
  ASSERT_FALSE(live);
  EXPECT_EQ(live.error().code, Errc::Conflict);
  EXPECT_NE(live.error().message.find("There was a conflict restoring the secret"), std::string::npos);
  EXPECT_TRUE(live.error().inner.empty());
  ASSERT_TRUE(secrets().remove("taken"));
  auto deleted = backup::restore_secret(*svc, "main", blob);
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().code, Errc::Conflict);
  ASSERT_TRUE(secrets().purge("taken"));
  EXPECT_TRUE(backup::restore_secret(*svc, "main", blob));  // free again after purge
  EXPECT_EQ(secrets().list_versions("taken", "", 10)->size(), 3u);
}

TEST_F(Backup, Restore_RefusesWrongTypeTruncatedAndMalformedInput) {
  three_versions("s");
  auto blob = *backup::backup_secret(*svc, "main", "s");
  auto expect_refused = [&](ByteView b, const std::string& why) {
    auto r = backup::restore_secret(*svc, "second", b);
    ASSERT_FALSE(r) << why;
    EXPECT_EQ(r.error().code, Errc::BadParameter) << why << ": " << r.error().message;
    EXPECT_EQ(count("second"), 0u) << why;
  };
  expect_refused({}, "empty");
  expect_refused(ByteView(blob).first(blob.size() - 1), "truncated by one");
  expect_refused(ByteView(blob).first(blob.size() / 2), "truncated by half");
  Bytes padded = blob;
  padded.push_back('=');
  expect_refused(padded, "padded");
  Bytes extra = blob;
  extra.push_back('.');
  expect_refused(extra, "trailing part");
  expect_refused(as_bytes("not-a-blob"), "garbage");
  // Wrong type: a secret blob handed to the key restore.
  auto as_key = backup::restore_key(*svc, "second", blob);
  ASSERT_FALSE(as_key);
  EXPECT_EQ(as_key.error().code, Errc::BadParameter);
  EXPECT_NE(as_key.error().message.find("not a key"), std::string::npos);
  // Input forms: base64url text and {"value": ...} are accepted; padded text is refused.
  EXPECT_FALSE(backup::read_blob_input(as_bytes(backup::blob_value(blob) + "==")));
  auto text = backup::read_blob_input(as_bytes(backup::blob_value(blob) + "\n"));
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, blob);
  auto json = backup::read_blob_input(as_bytes("{\"value\":\"" + backup::blob_value(blob) + "\"}"));
  ASSERT_TRUE(json);
  EXPECT_EQ(*json, blob);
}

TEST_F(Backup, Restore_EveryFlippedByteIsRefused) {
  auto s = secrets();
  ASSERT_TRUE(s.set("flip", value("v")));
  auto blob = *backup::backup_secret(*svc, "main", "flip");
  std::size_t refused = 0;
  for (std::size_t i = 0; i < blob.size(); ++i) {
    Bytes bad = blob;
    bad[i] ^= 0x01;
    auto r = backup::restore_secret(*svc, "second", bad);
    if (!r && r.error().code == Errc::BadParameter) ++refused;
    else ADD_FAILURE() << "byte " << i << " flipped was not refused";
  }
  EXPECT_EQ(refused, blob.size());
  EXPECT_EQ(count("second"), 0u);
  EXPECT_TRUE(backup::restore_secret(*svc, "second", blob));  // the original still opens
}

TEST_F(Backup, Restore_InAnotherDomainFailsAndWritesNothing) {
  three_versions("bound");
  auto blob = *backup::backup_secret(*svc, "main", "bound");
  auto kid = svc->domain_kid();
  svc.reset();
  // A second home: its own token, its own domain.
  vault::HomeOptions other;
  other.home = (dir / "other").string();
  ASSERT_TRUE(vault::init(other, {"main", 90, false}));
  auto o = vault::Service::open(other);
  ASSERT_TRUE(o);
  auto r = backup::restore_secret(*o, "main", blob);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cannot decrypt backup blob: security domain " + kid + " is not present in this token");
  EXPECT_EQ(vault::Secrets(*o, "main").list("", 10)->size(), 0u);
  auto events = store::blob_events(o->catalog(), std::nullopt, 10);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].event, "restore");
  EXPECT_EQ((*events)[0].outcome, "BadParameter");
  EXPECT_EQ((*events)[0].domain_kid, kid);
  EXPECT_EQ((*events)[0].sha256, backup::blob_sha256(blob));
}

TEST_F(Backup, Lineage_RecordsBackupsAndRestoreAttempts) {
  auto made = three_versions("traced");
  auto blob = *backup::backup_secret(*svc, "main", "traced");
  ASSERT_TRUE(backup::restore_secret(*svc, "second", blob));
  ASSERT_FALSE(backup::restore_secret(*svc, "second", blob));  // Conflict, recorded too
  auto events = store::blob_events(svc->catalog(), backup::blob_sha256(blob), 10);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[2].event, "backup");
  EXPECT_EQ((*events)[2].source_vault, "main");
  EXPECT_EQ((*events)[2].versions.size(), 3u);
  EXPECT_EQ((*events)[2].versions[0], made[0].meta.version);
  EXPECT_EQ((*events)[1].outcome, "ok");
  EXPECT_EQ((*events)[1].target_vault, "second");
  EXPECT_EQ((*events)[0].outcome, "Conflict");
  EXPECT_EQ((*events)[0].signer.size(), 64u);
}

TEST_F(Backup, Verify_NeedsTheRightTrustAnchor) {
  ASSERT_TRUE(secrets().set("v", value("x")));
  auto blob = *backup::backup_secret(*svc, "main", "v");
  auto main_cert = svc->catalog().vault("main")->signer_cert_pem;
  auto other_cert = svc->catalog().vault("second")->signer_cert_pem;
  auto good = backup::verify(blob, main_cert);
  ASSERT_TRUE(good);
  EXPECT_TRUE(good->ok) << good->report.dump();
  auto wrong = backup::verify(blob, other_cert);
  ASSERT_TRUE(wrong);
  EXPECT_FALSE(wrong->ok);
  EXPECT_FALSE(wrong->report["chain"]["ok"].get<bool>());
  EXPECT_TRUE(wrong->report["signature"]["ok"].get<bool>());
  auto info = backup::inspect(blob);
  ASSERT_TRUE(info);
  EXPECT_EQ((*info)["type"], "secret");
  EXPECT_EQ((*info)["kid"], svc->domain_kid());
  EXPECT_EQ((*info)["manifest"]["name"], "v");
  EXPECT_EQ((*info)["parts"]["encryptedKey"], 384);
}

TEST_F(Backup, Backup_SecretValueNotInBlobOrCatalogue) {
  const std::string planted = "planted-backup-value-5c1d";
  ASSERT_TRUE(secrets().set("p", value(planted)));
  auto blob = *backup::backup_secret(*svc, "main", "p");
  EXPECT_EQ(as_chars(blob).find(planted), std::string_view::npos);
  auto decoded = base64url_decode(backup::blob_value(blob));
  ASSERT_TRUE(decoded);
  ASSERT_TRUE(backup::restore_secret(*svc, "second", blob));
  svc.reset();
  for (auto& e : std::filesystem::recursive_directory_iterator(opts.home)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content.find(planted), std::string::npos) << e.path();
  }
}

TEST_F(Backup, Key_RotatedRoundTripDecryptsWhatTheOriginalEncrypted) {
  vault::Keys k(*svc, "main");
  vault::KeySpec spec;
  spec.kty = "RSA-HSM";
  spec.size = 2048;
  spec.tags = {{"role", "kek"}};
  auto v1 = k.create("kek", spec);
  ASSERT_TRUE(v1) << v1.error().message;
  auto v2 = k.rotate("kek");
  ASSERT_TRUE(v2) << v2.error().message;
  auto ct1 = k.encrypt("kek", v1->meta.version, "RSA-OAEP", as_bytes("first-version"));
  auto ct2 = k.encrypt("kek", "", "RSA-OAEP-256", as_bytes("second-version"));
  ASSERT_TRUE(ct1 && ct2);

  auto blob = backup::backup_key(*svc, "main", "kek");
  ASSERT_TRUE(blob) << blob.error().message;
  auto restored = backup::restore_key(*svc, "second", *blob);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(restored->meta.version, v2->meta.version);

  vault::Keys t(*svc, "second");
  auto versions = t.list_versions("kek", "", 10);
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 2u);
  auto originals = k.list_versions("kek", "", 10);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*versions)[i].meta.version, (*originals)[i].meta.version);
    EXPECT_EQ((*versions)[i].meta.created, (*originals)[i].meta.created);
    EXPECT_EQ((*versions)[i].meta.tags, (*originals)[i].meta.tags);
    EXPECT_EQ((*versions)[i].meta.meta_json, (*originals)[i].meta.meta_json);  // same public key and ops
  }
  auto p1 = t.decrypt("kek", v1->meta.version, "RSA-OAEP", ct1->value);
  ASSERT_TRUE(p1) << p1.error().message;
  EXPECT_EQ(as_chars(p1->value), "first-version");
  auto p2 = t.decrypt("kek", "", "RSA-OAEP-256", ct2->value);
  ASSERT_TRUE(p2) << p2.error().message;
  EXPECT_EQ(as_chars(p2->value), "second-version");
  EXPECT_EQ(backup::restore_key(*svc, "second", *blob).error().code, Errc::Conflict);
}

TEST_F(Backup, Key_EcAndOctRoundTripKeepWorking) {
  vault::Keys k(*svc, "main");
  vault::KeySpec ec;
  ec.kty = "EC";
  ec.crv = "P-256";
  ASSERT_TRUE(k.create("signer", ec));
  vault::KeySpec oct;
  oct.kty = "oct-HSM";
  oct.size = 256;
  ASSERT_TRUE(k.create("aes", oct));
  Bytes digest(32, 7);
  auto sig = k.sign("signer", "", "ES256", digest);
  ASSERT_TRUE(sig);
  auto sealed = k.encrypt("aes", "", "A256GCM", as_bytes("gcm-data"));
  ASSERT_TRUE(sealed) << sealed.error().message;
  for (const char* n : {"signer", "aes"}) {
    auto blob = backup::backup_key(*svc, "main", n);
    ASSERT_TRUE(blob) << blob.error().message;
    ASSERT_TRUE(backup::restore_key(*svc, "second", *blob));
  }
  vault::Keys t(*svc, "second");
  auto ok = t.verify("signer", "", "ES256", digest, sig->value);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(*ok);
  auto sig2 = t.sign("signer", "", "ES256", digest);
  ASSERT_TRUE(sig2);
  EXPECT_TRUE(*k.verify("signer", "", "ES256", digest, sig2->value));
  auto opened = t.decrypt("aes", "", "A256GCM", sealed->value, sealed->iv, {}, sealed->tag);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(as_chars(opened->value), "gcm-data");
}

TEST_F(Backup, ConcurrentBackupsFromSeveralServices_EachGetsADurableDistinctLineageRow) {
  // As the server runs them: one Service (own catalogue connection, own token sessions) per worker thread,
  // all on one home, their lineage rows group-committed (docs/adr/0009-group-commit.md).
  ASSERT_TRUE(secrets().set("shared", value("v")));
  constexpr int kThreads = 4, kEach = 5;
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      auto worker = vault::Service::open(opts);
      if (!worker) return void(errors[t] = worker.error().message);
      for (int i = 0; i < kEach; ++i) {
        auto blob = backup::backup_secret(*worker, "main", "shared");
        if (!blob) return void(errors[t] = blob.error().message);
        made[t].push_back(backup::blob_sha256(*blob));
      }
    });
  for (auto& th : threads) th.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  std::set<std::string> returned;
  for (const auto& m : made) returned.insert(m.begin(), m.end());
  EXPECT_EQ(returned.size(), std::size_t{kThreads * kEach});  // distinct blobs

  auto fresh = vault::open_catalog(opts);  // a connection of its own sees every row committed
  ASSERT_TRUE(fresh);
  auto events = store::blob_events(*fresh, std::nullopt, 1000);
  ASSERT_TRUE(events);
  std::multiset<std::string> recorded;
  for (const auto& e : *events)
    if (e.event == "backup" && e.outcome == "ok") recorded.insert(e.sha256);
  EXPECT_EQ(recorded.size(), returned.size());
  EXPECT_EQ(std::set<std::string>(recorded.begin(), recorded.end()), returned);
}
