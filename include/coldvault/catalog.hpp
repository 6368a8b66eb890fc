// The catalogue's public face: a SQLite file (the default) or a PostgreSQL database (ADR 0023). src/store is
// the only user of either engine; vault/ and backup/ reach the catalogue only through this interface and
// never see SQL.
//
// Thread safety: a Catalog is one connection; use one per thread (or guard it). Several processes may open
// the same file: every write is one BEGIN IMMEDIATE transaction with a busy timeout, so concurrent writers
// serialise instead of failing.
// Names compare case-insensitively (stored once as given, looked up by their lower-case form).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"

namespace cv::store {

// How long a catalogue connection waits for another process's lock (sqlite3_busy_timeout): 30 s unless a
// test build set it (vault::set_test_busy_timeout). Set before any connection opens.
int busy_timeout_ms();
void set_busy_timeout_ms(int ms);

// `init --catalog` (ADR 0023): a PostgreSQL URL is checked (no password in it, the server answers); whether a
// catalogue already holds a security domain (another home's: a new init must not add a second domain); and the
// tables of a catalogue that a failed init made are dropped again.
Result<void> check_catalog_location(const std::string& location);
// Whether `location` is a PostgreSQL URL (postgresql:// or postgres://) rather than a SQLite file.
bool is_postgres_url(std::string_view location);
Result<bool> catalog_has_domain(const std::string& location);
// Drops only while the catalogue holds no domain but `kid` (the failed init's own, or none yet): Conflict else.
// True when it dropped coldvault's tables, false when there were none.
Result<bool> drop_catalog(const std::string& location, const std::string& kid);

using Tags = std::map<std::string, std::string>;

struct DomainRow {
  std::string kid;         // UUID
  Bytes public_key_spki;   // DER SubjectPublicKeyInfo of the domain key
  std::int64_t created = 0;
};

struct VaultRow {
  std::string name;
  std::string domain_kid;
  std::string base_url;            // "https://<name>.vault.localhost"
  int retention_days = 90;         // soft-delete retention, 7..90
  bool purge_protection = false;
  std::string signer_cert_pem;     // the vault's signing certificate
  std::int64_t created = 0;
  std::optional<std::int64_t> deleted_date;     // set while soft-deleted
  std::optional<std::int64_t> scheduled_purge;
};

// One step of an object's or vault's life cycle, kept in the catalogue (table lifecycle_events).
struct LifecycleEvent {
  std::int64_t id = 0;      // set by the store, increasing
  std::int64_t time = 0;
  std::string event;        // "delete", "recover", "purge", "expire" (purged at its scheduled date), "update"
  std::string vault;
  std::string type;         // "vault", "secret", "key", "certificate"
  std::string name;
  std::string detail;
};


enum class ObjType { Secret, Key, Certificate };
const char* obj_type_name(ObjType t);  // "secret", "key", "certificate"

// A soft-deleted object whose scheduled purge date has come.
struct DueObject {
  std::string vault;
  ObjType type;
  std::string name;
};

struct VersionRow {
  std::string version;                       // 32 lower-case hex
  std::int64_t seq = 0;                      // order of creation within the object (set by the store)
  std::optional<std::string> content_type;
  Tags tags;
  bool enabled = true;
  std::optional<std::int64_t> nbf, exp;
  std::int64_t created = 0, updated = 0;
  Bytes iv;                                  // secrets: AES-GCM IV
  Bytes ciphertext;                          // secrets: ct||tag; keys: wrapped key material
  std::string meta_json;                     // keys: kty, size/curve, key_ops, public parts
};

struct ObjectRow {
  std::string name;                          // as first given
  std::string current_version;
  std::optional<std::int64_t> deleted_date;  // set while soft-deleted
  std::optional<std::int64_t> scheduled_purge;
};

// An object with one of its versions.
struct ObjectVersion {
  ObjectRow object;
  VersionRow version;
};


// How many objects of each type a vault holds, live and soft-deleted together (whole-vault bundles).
struct VaultCounts {
  std::int64_t secrets = 0, keys = 0, certificates = 0, versions = 0, deleted = 0;
  std::int64_t objects() const { return secrets + keys + certificates; }
};

// One object with every version, oldest first, as Catalog::scan_vault hands it out.
struct ScannedObject {
  ObjType type = ObjType::Secret;
  ObjectRow object;
  std::vector<VersionRow> versions;
};

struct ListedObject {
  ObjectRow object;
  VersionRow current;
};

// Authenticates the version rows that gate key use. The domain layer, which holds the token key, sets one
// on its Catalog: every write of a guarded row is sealed (VersionRow.iv receives the authenticator) and every
// read is checked, so a row edited, swapped or forged in the file is Corruption instead of being used.
// Names and vault are passed lower-case (as the catalogue compares them).
class RowGuard {
 public:
  virtual ~RowGuard() = default;
  virtual bool guards(ObjType t) const = 0;
  virtual Result<void> seal(const std::string& vault, ObjType t, const std::string& name, VersionRow& v) = 0;
  // Corruption naming the row when v does not match its authenticator.
  virtual Result<void> check(const std::string& vault, ObjType t, const std::string& name,
                             const VersionRow& v) = 0;
};

// Conflict for a name held by the soft-deleted vault v ("Exist soft deleted vault with the same name ...").
Error deleted_vault_conflict(const VaultRow& v);

struct CatalogAccess;  // src/store only: lets each concern's file (tokens, lineage) reach the connection

class Catalog {
 public:
  // Several writes as one transaction (a restore of linked objects, a certificate's three objects): every
  // write made through this Catalog while a Batch is open joins it as a savepoint; commit() makes them
  // durable together, destroying the Batch uncommitted undoes them all. A Batch begun inside another is a
  // savepoint of it: its commit hands its writes to the outer one, its destruction undoes only its own.
  class Batch {
   public:
    Batch(Batch&& o) noexcept : cat_(o.cat_), nested_(o.nested_) { o.cat_ = nullptr; }
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    ~Batch();
    Result<void> commit();

   private:
    friend class Catalog;
    Batch(Catalog* c, bool nested) : cat_(c), nested_(nested) {}
    Catalog* cat_;
    bool nested_;
  };
  Result<Batch> begin_batch();

  // Opens or creates the file, applies migrations, WAL + secure_delete + foreign keys on.
  static Result<Catalog> open(const std::string& path);
  Catalog(Catalog&&) noexcept;
  Catalog& operator=(Catalog&&) noexcept;
  ~Catalog();

  int schema_version();

  // The guard of key rows (not owned; nullptr for none, e.g. offline tools that never read key rows).
  void set_row_guard(RowGuard* g);
  // Seals every guarded row that has no authenticator yet: the one-time adoption of a home made before rows
  // were authenticated (src/vault/integrity.cpp). One transaction; returns how many rows it sealed.
  Result<int> seal_unsealed_rows();

  Result<void> add_domain(const DomainRow& d);
  Result<DomainRow> domain(const std::string& kid);
  Result<std::vector<DomainRow>> domains();

  // Conflict if a vault of that name exists, live or soft-deleted (a deleted vault reserves its name).
  Result<void> add_vault(const VaultRow& v);
  // A live vault; NotFound ("VaultNotFound") if absent or soft-deleted.
  Result<VaultRow> vault(const std::string& name);
  // Live vaults, by name.
  Result<std::vector<VaultRow>> vaults();
  // A soft-deleted vault; NotFound if absent or live.
  Result<VaultRow> deleted_vault(const std::string& name);
  Result<std::vector<VaultRow>> deleted_vaults();
  // Soft delete of a live vault (NotFound otherwise); its objects keep their own state.
  Result<VaultRow> mark_vault_deleted(const std::string& name, std::int64_t deleted_date,
                                      std::int64_t scheduled_purge);
  // Undo a vault's soft delete: NotFound unless deleted.
  Result<VaultRow> recover_vault(const std::string& name);
  // Removes a soft-deleted vault with every object, version and REST token of it, one transaction.
  // NotFound unless deleted. The lineage and life-cycle records stay (they are history).
  Result<void> purge_vault(const std::string& name);
  // Rewrites retention and purge protection of a live vault (NotFound otherwise); the caller checks the rules.
  Result<VaultRow> update_vault(const std::string& name, int retention_days, bool purge_protection);
  // Soft-deleted objects and vaults whose scheduled purge is at or before `now`, oldest first.
  Result<std::vector<DueObject>> due_objects(std::int64_t now, std::size_t limit);
  Result<std::vector<VaultRow>> due_vaults(std::int64_t now);

  // The life-cycle record: append one event (joins an open Batch), read the newest first.
  Result<void> add_lifecycle_event(const LifecycleEvent& e);
  Result<std::vector<LifecycleEvent>> lifecycle_events(const std::optional<std::string>& vault,
                                                       std::size_t limit);
  // The read caches' generation: changes when any connection (this one, another thread's, another process's or
  // node's) commits a write to the catalogue other than an audit record (ADR 0028); one small read, no lock.
  // Caches that hold rows compare it to know when to look again.
  std::int64_t data_version();

  // Adds a version and makes it current, creating the object if needed; one transaction.
  // Conflict with inner "ObjectIsDeletedButRecoverable" if the name is soft-deleted; Conflict if the
  // version id exists.
  Result<void> add_version(const std::string& vault, ObjType t, const std::string& name,
                           const VersionRow& v);
  // Creates a whole object with all its versions (restore); Conflict if the name exists live or deleted.
  Result<void> insert_object(const std::string& vault, ObjType t, const std::string& name,
                             const std::string& current_version, const std::vector<VersionRow>& versions);
  // The same with the object's deletion state as given (a vault bundle's restore brings soft-deleted objects
  // back soft-deleted); `object.name` and `object.current_version` name it. Conflict as insert_object.
  Result<void> insert_object(const std::string& vault, ObjType t, const ObjectRow& object,
                             const std::vector<VersionRow>& versions);
  // Reads one vault at one instant (a whole-vault bundle): begins a read transaction on this connection,
  // hands `counts` the vault's counts, then `each` every object (live and soft-deleted) with all its
  // versions, ordered by type (certificate, key, secret) then lower-case name, and ends the transaction.
  // Writers on other connections go on and are not seen. Guarded rows are checked as every read does. The
  // first error of a callback stops the scan and is returned. BadParameter inside a Batch (a write
  // transaction cannot be a snapshot of the past).
  Result<void> scan_vault(const std::string& vault, const std::function<Result<void>(const VaultCounts&)>& counts,
                          const std::function<Result<void>(ScannedObject&)>& each);
  // Live or deleted; NotFound if absent.
  Result<ObjectRow> object(const std::string& vault, ObjType t, const std::string& name);
  // An object (live or deleted) with one of its versions, empty version = current: object() then version() in
  // one lookup. NotFound if either is absent.
  Result<ObjectVersion> object_version(const std::string& vault, ObjType t, const std::string& name,
                                       const std::string& version);
  // The same, with data_version() as the caller read it before any row read of its operation (one read for a
  // whole operation; see Service::vault).
  Result<ObjectVersion> object_version(const std::string& vault, ObjType t, const std::string& name,
                                       const std::string& version, std::int64_t data_version);
  // A version of a live or deleted object; empty version = current. NotFound if absent.
  Result<VersionRow> version(const std::string& vault, ObjType t, const std::string& name,
                             const std::string& version);
  // Objects ordered by name, with their current version: at most `limit` of those whose name sorts after
  // `after` (case-insensitively, as names compare; empty = from the first). Keyset paging: an object that
  // exists for the whole of a paged listing appears in it exactly once, whatever is added or removed meanwhile.
  Result<std::vector<ListedObject>> list(const std::string& vault, ObjType t, bool deleted,
                                         const std::string& after, std::size_t limit);
  // Versions of a live object, oldest first: at most `limit` of those made after version `after` (empty =
  // from the first; a version id that is not the object's gives none).
  Result<std::vector<VersionRow>> versions(const std::string& vault, ObjType t, const std::string& name,
                                           const std::string& after, std::size_t limit);
  // Rewrites content type, tags, enabled, nbf, exp, updated of one version (by id).
  Result<void> update_version(const std::string& vault, ObjType t, const std::string& name,
                              const VersionRow& v);
  // Soft delete: NotFound if absent or already deleted.
  Result<ObjectRow> mark_deleted(const std::string& vault, ObjType t, const std::string& name,
                                 std::int64_t deleted_date, std::int64_t scheduled_purge);
  // Undo a soft delete: NotFound unless deleted.
  Result<void> recover(const std::string& vault, ObjType t, const std::string& name);
  // Removes a soft-deleted object and every version: NotFound unless deleted.
  Result<void> purge(const std::string& vault, ObjType t, const std::string& name);
  // Removes one version of a live object (a certificate's unfinished pending version): the current pointer
  // falls back to the newest remaining version, and the object goes when none remains. NotFound if the
  // object is absent or deleted or has no such version.
  Result<void> remove_version(const std::string& vault, ObjType t, const std::string& name,
                              const std::string& version);

 private:
  friend struct CatalogAccess;
  struct Impl;
  explicit Catalog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cv::store
