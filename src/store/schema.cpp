// Schema migrations. Each entry moves the catalogue one version forward inside one transaction;
// Conn::schema_version records where a catalogue stands (SQLite: PRAGMA user_version). Never edit a shipped step: append a new one.
#include "store/schema.hpp"

#include <algorithm>
#include <iterator>

#include "coldvault/audit_log.hpp"

namespace cv::store {
namespace {

constexpr const char* kSteps[] = {
    // 1: domains, vaults, objects with versions.
    R"sql(
CREATE TABLE domains(
  kid TEXT PRIMARY KEY,
  public_key BLOB NOT NULL,
  created INTEGER NOT NULL);
CREATE TABLE vaults(
  name_key TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  domain_kid TEXT NOT NULL REFERENCES domains(kid),
  base_url TEXT NOT NULL,
  retention_days INTEGER NOT NULL CHECK (retention_days BETWEEN 7 AND 90),
  purge_protection INTEGER NOT NULL,
  signer_cert TEXT NOT NULL,
  created INTEGER NOT NULL);
CREATE TABLE objects(
  id INTEGER PRIMARY KEY,
  vault TEXT NOT NULL REFERENCES vaults(name_key),
  type TEXT NOT NULL CHECK (type IN ('secret','key','certificate')),
  name_key TEXT NOT NULL,
  name TEXT NOT NULL,
  current_version TEXT NOT NULL,
  next_seq INTEGER NOT NULL,
  deleted_date INTEGER,
  scheduled_purge INTEGER,
  UNIQUE(vault, type, name_key));
CREATE TABLE versions(
  object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
  version TEXT NOT NULL,
  seq INTEGER NOT NULL,
  content_type TEXT,
  tags TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  nbf INTEGER,
  exp INTEGER,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  iv BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  meta TEXT NOT NULL,
  PRIMARY KEY(object_id, version));
CREATE INDEX versions_by_seq ON versions(object_id, seq);
)sql",
    // 2: REST bearer tokens (stored hashed), blob lineage, blob archive.
    R"sql(
CREATE TABLE api_tokens(
  id TEXT PRIMARY KEY,
  vault TEXT NOT NULL REFERENCES vaults(name_key),
  hash BLOB NOT NULL UNIQUE,
  permissions TEXT NOT NULL,
  label TEXT,
  created INTEGER NOT NULL,
  expires INTEGER,
  revoked INTEGER);
CREATE TABLE blob_events(
  id INTEGER PRIMARY KEY,
  event TEXT NOT NULL CHECK (event IN ('backup','restore')),
  outcome TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  type TEXT,
  name TEXT,
  versions TEXT,
  source_vault TEXT,
  target_vault TEXT,
  domain_kid TEXT,
  signer TEXT,
  time INTEGER NOT NULL,
  detail TEXT);
CREATE INDEX blob_events_by_sha ON blob_events(sha256);
CREATE TABLE blob_archive(
  sha256 TEXT PRIMARY KEY,
  label TEXT,
  format TEXT NOT NULL,
  prefix TEXT,
  kid TEXT,
  type TEXT,
  metadata TEXT NOT NULL,
  blob BLOB NOT NULL,
  imported INTEGER NOT NULL);
)sql",
    // 3: the domain's signer registry (rows authenticated by the token's integrity key).
    R"sql(
CREATE TABLE trusted_signers(
  domain_kid TEXT NOT NULL REFERENCES domains(kid),
  sha256 TEXT NOT NULL,
  cert BLOB NOT NULL,
  subject TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('vault','operator')),
  label TEXT NOT NULL,
  ca INTEGER NOT NULL,
  added INTEGER NOT NULL,
  auth BLOB NOT NULL,
  PRIMARY KEY(domain_kid, sha256));
)sql",
    // 4: vault soft delete; the expiry scan's index; the life-cycle event record; management-API tokens.
    R"sql(
ALTER TABLE vaults ADD COLUMN deleted_date INTEGER;
ALTER TABLE vaults ADD COLUMN scheduled_purge INTEGER;
CREATE INDEX objects_by_purge ON objects(scheduled_purge) WHERE scheduled_purge IS NOT NULL;
CREATE TABLE lifecycle_events(
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  event TEXT NOT NULL CHECK (event IN ('delete','recover','purge','expire','update')),
  vault TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('vault','secret','key','certificate')),
  name TEXT NOT NULL,
  detail TEXT);
CREATE TABLE admin_tokens(
  id TEXT PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  label TEXT,
  created INTEGER NOT NULL,
  expires INTEGER,
  revoked INTEGER);
)sql",
    // 5: the domain-transfer ceremony: the custodian registry (rows authenticated by the integrity key) and the
    // record of the domain's tokens and transfers (docs/domain-transfer.md).
    R"sql(
CREATE TABLE custodians(
  domain_kid TEXT NOT NULL REFERENCES domains(kid),
  sha256 TEXT NOT NULL,
  name TEXT NOT NULL,
  cert BLOB NOT NULL,
  added INTEGER NOT NULL,
  auth BLOB NOT NULL,
  PRIMARY KEY(domain_kid, sha256));
CREATE TABLE domain_events(
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  domain_kid TEXT NOT NULL,
  event TEXT NOT NULL CHECK (event IN ('member','export','import')),
  transfer_id TEXT,
  token_label TEXT,
  token_serial TEXT,
  detail TEXT);
)sql",
    // 6: the audit log (docs/audit.md): records with their leaf hashes, the tree's size and frontier, the
    // audit key's origin and certificate, and the signed checkpoints.
    R"sql(
CREATE TABLE audit_records(
  seq INTEGER PRIMARY KEY,
  record TEXT NOT NULL,
  leaf BLOB NOT NULL CHECK (length(leaf) = 32));
CREATE TABLE audit_state(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size INTEGER NOT NULL,
  frontier BLOB NOT NULL,
  origin TEXT,
  cert TEXT);
CREATE TABLE audit_checkpoints(
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL CHECK (length(root) = 32),
  note TEXT NOT NULL,
  time INTEGER NOT NULL);
)sql",
    // 7: key rotation policies (docs/keys.md "Rotation policy"), one per key object: they go with the key when
    // it is purged, and stay with it while it is soft-deleted. `policy` is the policy's JSON as stored.
    R"sql(
CREATE TABLE key_rotation_policies(
  object_id INTEGER PRIMARY KEY REFERENCES objects(id) ON DELETE CASCADE,
  policy TEXT NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL);
)sql",
    // 8: certificate contacts and issuers, per vault (docs/certificates.md "Contacts and issuers"); they stay
    // with a soft-deleted vault and go when it is purged. An issuer's password is sealed under the vault
    // master key like a secret value (pwd_iv, pwd_ct), never stored in clear.
    R"sql(
CREATE TABLE certificate_contacts(
  vault TEXT PRIMARY KEY REFERENCES vaults(name_key) ON DELETE CASCADE,
  contacts TEXT NOT NULL,
  updated INTEGER NOT NULL);
CREATE TABLE certificate_issuers(
  vault TEXT NOT NULL REFERENCES vaults(name_key) ON DELETE CASCADE,
  name_key TEXT NOT NULL,
  name TEXT NOT NULL,
  issuer TEXT NOT NULL,
  pwd_iv BLOB,
  pwd_ct BLOB,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  PRIMARY KEY(vault, name_key));
)sql",
    // 9: each checkpoint's tree frontier (docs/audit.md §3), so the next checkpoint hashes only the records
    // signed after it instead of the whole log. NULL for checkpoints signed before this step.
    R"sql(
ALTER TABLE audit_checkpoints ADD COLUMN frontier BLOB;
)sql",
    // 10 (SQLite only): the read caches' generation (ADR 0028). Every write to a table other than the audit log's
    // moves cache_generation.value in the same transaction, so the caches of every connection see it; an audit
    // record (one per request, reads included) does not. No INSERT trigger on objects and versions, the tables a
    // restore fills in bulk: an insert cannot make a cached row stale, since the caches keep only rows found by a
    // unique key (a new version reaches the cached "current" row through its UPDATE of objects). PostgreSQL
    // counts commits in coldvault_state instead (ADR 0023).
    R"sql(
CREATE TABLE cache_generation(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL);
INSERT INTO cache_generation VALUES(1, 0);
CREATE TRIGGER cache_gen_domains_insert AFTER INSERT ON domains
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_domains_update AFTER UPDATE ON domains
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_domains_delete AFTER DELETE ON domains
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_vaults_insert AFTER INSERT ON vaults
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_vaults_update AFTER UPDATE ON vaults
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_vaults_delete AFTER DELETE ON vaults
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_objects_update AFTER UPDATE ON objects
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_objects_delete AFTER DELETE ON objects
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_versions_update AFTER UPDATE ON versions
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_versions_delete AFTER DELETE ON versions
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_api_tokens_insert AFTER INSERT ON api_tokens
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_api_tokens_update AFTER UPDATE ON api_tokens
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_api_tokens_delete AFTER DELETE ON api_tokens
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_blob_events_insert AFTER INSERT ON blob_events
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_blob_events_update AFTER UPDATE ON blob_events
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_blob_events_delete AFTER DELETE ON blob_events
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_blob_archive_insert AFTER INSERT ON blob_archive
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_blob_archive_update AFTER UPDATE ON blob_archive
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_blob_archive_delete AFTER DELETE ON blob_archive
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_trusted_signers_insert AFTER INSERT ON trusted_signers
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_trusted_signers_update AFTER UPDATE ON trusted_signers
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_trusted_signers_delete AFTER DELETE ON trusted_signers
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_lifecycle_events_insert AFTER INSERT ON lifecycle_events
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_lifecycle_events_update AFTER UPDATE ON lifecycle_events
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_lifecycle_events_delete AFTER DELETE ON lifecycle_events
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_admin_tokens_insert AFTER INSERT ON admin_tokens
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_admin_tokens_update AFTER UPDATE ON admin_tokens
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_admin_tokens_delete AFTER DELETE ON admin_tokens
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_custodians_insert AFTER INSERT ON custodians
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_custodians_update AFTER UPDATE ON custodians
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_custodians_delete AFTER DELETE ON custodians
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_domain_events_insert AFTER INSERT ON domain_events
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_domain_events_update AFTER UPDATE ON domain_events
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_domain_events_delete AFTER DELETE ON domain_events
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_key_rotation_policies_insert AFTER INSERT ON key_rotation_policies
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_key_rotation_policies_update AFTER UPDATE ON key_rotation_policies
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_key_rotation_policies_delete AFTER DELETE ON key_rotation_policies
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_certificate_contacts_insert AFTER INSERT ON certificate_contacts
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_certificate_contacts_update AFTER UPDATE ON certificate_contacts
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_certificate_contacts_delete AFTER DELETE ON certificate_contacts
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_certificate_issuers_insert AFTER INSERT ON certificate_issuers
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_certificate_issuers_update AFTER UPDATE ON certificate_issuers
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
CREATE TRIGGER cache_gen_certificate_issuers_delete AFTER DELETE ON certificate_issuers
  BEGIN UPDATE cache_generation SET value=value+1 WHERE id=1; END;
)sql",
};

// Steps that exist only in a SQLite catalogue; a PostgreSQL one records them as done without running them.
constexpr int kSqliteOnlySteps[] = {10};

bool sqlite_only(int step) {
  return std::find(std::begin(kSqliteOnlySteps), std::end(kSqliteOnlySteps), step) != std::end(kSqliteOnlySteps);
}

}  // namespace

int latest_schema_version() { return static_cast<int>(std::size(kSteps)); }

static Result<void> refuse_newer(int have) {
  if (have > latest_schema_version())
    return fail(Errc::StorageFailure, "catalogue schema version " + std::to_string(have) +
                                          " is newer than this coldvault understands (" +
                                          std::to_string(latest_schema_version()) +
                                          "): a newer coldvault wrote it; use that version (or newer) with this "
                                          "home, this one would not understand it");
  return {};
}

Result<int> migrate(Db& db) {
  AuditScope::Pause no_audit;  // a schema step is no operation's change
  Conn* c = db.get();
  // secure_delete overwrites freed pages, so a purged ciphertext does not linger in the file. These are
  // settings of the connection: they neither lock nor write. (PostgreSQL: ADR 0023.)
  if (c->dialect() == Dialect::Sqlite)
    if (auto r = db.exec("PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;"); !r)
      return std::unexpected(r.error());
  // An up-to-date catalogue (every open but the first after an upgrade) costs one read: no write lock, no
  // sync, so read-only commands and servers do not queue behind writers.
  auto have = c->schema_version();
  if (!have) return std::unexpected(have.error());
  if (auto r = refuse_newer(*have); !r) return std::unexpected(r.error());
  if (*have == latest_schema_version()) return *have;
  // WAL is a property of the file, set once when it is made (outside a transaction, as SQLite requires).
  if (c->dialect() == Dialect::Sqlite)
    if (auto r = db.exec("PRAGMA journal_mode=WAL;"); !r) return std::unexpected(r.error());
  auto tx = Transaction::begin(c);
  if (!tx) return std::unexpected(tx.error());
  // Again under the write lock: another process may have migrated in between.
  have = c->schema_version();
  if (!have) return std::unexpected(have.error());
  if (auto r = refuse_newer(*have); !r) return std::unexpected(r.error());
  for (int v = *have; v < latest_schema_version(); ++v) {
    if (c->dialect() != Dialect::Sqlite && sqlite_only(v + 1)) continue;
    if (auto r = c->exec(c->ddl(kSteps[v]), "schema step " + std::to_string(v + 1)); !r)
      return std::unexpected(r.error());
  }
  if (auto r = c->set_schema_version(latest_schema_version()); !r) return std::unexpected(r.error());
  if (auto r = tx->commit(); !r) return std::unexpected(r.error());
  return latest_schema_version();
}

}  // namespace cv::store
