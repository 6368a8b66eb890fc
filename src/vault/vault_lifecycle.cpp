// Vault soft delete, recover, purge, update and expiry (coldvault/vault_lifecycle.hpp).
#include "coldvault/vault_lifecycle.hpp"

#include <climits>
#include <functional>

#include "vault/key_cache.hpp"
#include "vault/labels.hpp"
#include "vault/lifecycle.hpp"
#include "vault/vault_info_detail.hpp"

namespace cv::vault {
namespace {

Result<void> record(Service& svc, const char* event, const std::string& vault, const std::string& detail) {
  return svc.catalog().add_lifecycle_event({0, Service::now(), event, vault, "vault", vault, detail});
}

// The catalogue step and its event in one transaction.
template <class F>
auto with_event(Service& svc, const char* event, const std::string& vault, const std::string& detail, F&& step)
    -> decltype(step()) {
  auto batch = svc.catalog().begin_batch();
  if (!batch) return std::unexpected(batch.error());
  auto r = step();
  if (!r) return r;
  if (auto e = record(svc, event, vault, detail); !e) return std::unexpected(e.error());
  if (auto c = batch->commit(); !c) return std::unexpected(c.error());
  return r;
}

// Purges a soft-deleted vault under one write lock (BEGIN IMMEDIATE), so a recover or create of the same
// name waits instead of racing it: re-reads the row, asks `allowed` (still due, not protected), destroys the
// token keys, removes the rows and records `event`, then commits. A crash after the keys went rolls the rows
// back: the vault stays deleted without keys, recover refuses it, and purge or expiry again finishes the job.
Result<void> erase_vault(Service& svc, const std::string& name, const char* event, const std::string& detail,
                         const std::function<Result<void>(const store::VaultRow&)>& allowed) {
  auto& cat = svc.catalog();
  auto batch = cat.begin_batch();
  if (!batch) return std::unexpected(batch.error());
  auto v = cat.deleted_vault(name);
  if (!v) return std::unexpected(v.error());
  if (auto r = allowed(*v); !r) return r;
  svc.forget_vault(name);
  svc.key_cache().evict_prefix(lower(name) + "|");
  if (auto r = destroy_vault_keys(svc, v->name); !r) return r;
  if (auto r = cat.purge_vault(name); !r) return r;
  if (auto r = record(svc, event, v->name, detail); !r) return r;
  return batch->commit();
}

}  // namespace

Result<void> destroy_vault_keys(Service& svc, const std::string& vault) {
  auto& t = svc.token();
  const std::pair<std::string, const char*> objects[] = {
      {master_label(vault), "secret"}, {signing_label(vault), "private"}, {signing_label(vault), "public"}};
  for (const auto& [label, cls] : objects) {
    for (;;) {
      auto h = t.find(label, cls);
      if (!h && h.error().code == Errc::NotFound) break;
      if (!h) return std::unexpected(h.error());
      if (auto r = t.destroy(*h); !r) return std::unexpected(r.error());
    }
  }
  return {};
}

Result<VaultInfo> delete_vault(Service& svc, const std::string& name) {
  if (auto r = check_vault_name(name); !r) return std::unexpected(r.error());
  auto live = svc.catalog().vault(name);
  if (!live) return std::unexpected(live.error());
  const auto now = Service::now();
  auto row = with_event(svc, "delete", live->name, "", [&] {
    return svc.catalog().mark_vault_deleted(name, now, now + std::int64_t{86400} * live->retention_days);
  });
  if (!row) return std::unexpected(row.error());
  svc.forget_vault(name);
  svc.key_cache().evict_prefix(lower(name) + "|");
  return info_of(*row);
}

Result<std::vector<VaultInfo>> list_deleted_vaults(Service& svc) {
  auto rows = svc.catalog().deleted_vaults();
  if (!rows) return std::unexpected(rows.error());
  std::vector<VaultInfo> out;
  for (const auto& r : *rows) out.push_back(info_of(r));
  return out;
}

Result<VaultInfo> get_deleted_vault(Service& svc, const std::string& name) {
  if (auto r = check_vault_name(name); !r) return std::unexpected(r.error());
  auto row = svc.catalog().deleted_vault(name);
  if (!row) return std::unexpected(row.error());
  return info_of(*row);
}

Result<VaultInfo> recover_vault(Service& svc, const std::string& name) {
  if (auto r = check_vault_name(name); !r) return std::unexpected(r.error());
  if (auto live = svc.catalog().vault(name); live)
    return fail_kv(Errc::Conflict, "vault '" + live->name + "' is not deleted: there is nothing to recover",
                   "Conflict");
  svc.forget_vault(name);
  auto row = with_event(svc, "recover", name, "", [&]() -> Result<store::VaultRow> {
    auto r = svc.catalog().recover_vault(name);
    if (!r) return r;
    // Inside the transaction: a vault whose purge stopped after its keys were destroyed stays deleted.
    if (auto keys = svc.vault(name); !keys) {
      svc.forget_vault(name);
      // A missing signing key is NotFound; a missing master key is HsmUnavailable (Service::vault: on a shared
      // catalogue another node may hold it), so the token is asked directly.
      auto master = svc.token().find(master_label(name), "secret");
      const bool gone = keys.error().code == Errc::NotFound || (!master && master.error().code == Errc::NotFound);
      if (!gone) return std::unexpected(keys.error());
      if (svc.catalogue_shared())
        // Another token of the shared catalogue may hold them (a vault made through another node): a purge
        // here would remove the vault for every node.
        return fail(Errc::Conflict, "vault '" + r->name + "' cannot be recovered through token '" +
                                        svc.token().label() + "': its keys are not in it. Recover it through a node "
                                        "whose token holds them; only if none does (a purge interrupted after the "
                                        "keys went) purge it again to finish");
      return fail(Errc::Conflict, "vault '" + r->name + "' cannot be recovered: its keys are no longer in the "
                                  "token (an interrupted purge); purge it again to finish");
    }
    return r;
  });
  if (!row) {
    svc.forget_vault(name);
    return std::unexpected(row.error());
  }
  return info_of(*row);
}

Result<void> purge_vault(Service& svc, const std::string& name) {
  if (auto r = check_vault_name(name); !r) return std::unexpected(r.error());
  return erase_vault(svc, name, "purge", "", [](const store::VaultRow& v) -> Result<void> {
    if (v.purge_protection && Service::now() < v.scheduled_purge.value_or(0))
      return fail_kv(Errc::Forbidden,
                     "Operation \"purge\" is not allowed because purge protection is enabled for vault '" + v.name +
                         "'; coldvault purges it when its retention ends (scheduled purge " +
                         std::to_string(v.scheduled_purge.value_or(0)) + ")",
                     "Forbidden");
    return {};
  });
}

Result<VaultInfo> update_vault(Service& svc, const std::string& name, const VaultUpdate& u) {
  if (auto r = check_vault_name(name); !r) return std::unexpected(r.error());
  auto v = svc.catalog().vault(name);
  if (!v) return std::unexpected(v.error());
  int retention = u.retention_days.value_or(v->retention_days);
  if (retention < 7 || retention > 90)
    return fail(Errc::BadParameter, "retention must be 7 to 90 days, not " + std::to_string(retention));
  if (u.purge_protection && !*u.purge_protection && v->purge_protection)
    return fail_kv(Errc::BadParameter,
                   "purge protection of vault '" + v->name + "' is enabled and cannot be turned off "
                   "(as in Azure Key Vault, it only goes on)",
                   "BadParameter");
  bool protection = v->purge_protection || u.purge_protection.value_or(false);
  std::string detail = "retentionDays=" + std::to_string(retention) +
                       " purgeProtection=" + (protection ? "true" : "false");
  auto row = with_event(svc, "update", v->name, detail,
                        [&] { return svc.catalog().update_vault(name, retention, protection); });
  if (!row) return std::unexpected(row.error());
  svc.forget_vault(name);
  return info_of(*row);
}

Result<ExpiryReport> purge_expired(Service& svc) {
  const auto now = Service::now();
  ExpiryReport report;
  auto objects = purge_due_objects(svc, now);
  if (!objects) return std::unexpected(objects.error());
  report.objects = *objects;
  auto vaults = svc.catalog().due_vaults(now);
  if (!vaults) return std::unexpected(vaults.error());
  for (const auto& v : *vaults) {
    // Still due under the lock: a vault recovered meanwhile is not deleted any more (NotFound: skipped).
    auto r = erase_vault(svc, v.name, "expire", "scheduled purge date reached", [&](const store::VaultRow& now_row) {
      if (now_row.scheduled_purge.value_or(INT64_MAX) > now)
        return Result<void>(fail(Errc::NotFound, "vault '" + v.name + "' is no longer due"));
      return Result<void>{};
    });
    if (!r && r.error().code != Errc::NotFound) return std::unexpected(r.error());
    if (r) ++report.vaults;
  }
  return report;
}

Result<std::vector<LifecycleEvent>> lifecycle_events(const HomeOptions& home, const std::optional<std::string>& vault,
                                                     std::size_t limit) {
  auto cat = open_catalog(home);
  if (!cat) return std::unexpected(cat.error());
  return cat->lifecycle_events(vault, limit);
}

}  // namespace cv::vault
