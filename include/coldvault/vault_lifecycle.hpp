// Vaults' own life cycle, as Azure Key Vault's management plane has it: soft delete (the vault and all
// its objects unreachable, its name reserved), list/show deleted, recover (everything back as it was:
// objects, versions, REST tokens, configuration), purge (refused under purge protection until the
// scheduled date), update of retention and purge protection (which can be turned on, never off), and
// the purge of everything whose scheduled date has come.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "coldvault/vault.hpp"
#include "coldvault/vault_info.hpp"

namespace cv::vault {

struct VaultUpdate {
  std::optional<int> retention_days;      // 7..90
  std::optional<bool> purge_protection;   // true only: false is refused once it is on
};

// Soft delete. NotFound if no live vault has the name.
Result<VaultInfo> delete_vault(Service& svc, const std::string& name);
Result<std::vector<VaultInfo>> list_deleted_vaults(Service& svc);
// NotFound unless the vault is soft-deleted.
Result<VaultInfo> get_deleted_vault(Service& svc, const std::string& name);
// NotFound unless soft-deleted (a live vault: Conflict, "already live").
Result<VaultInfo> recover_vault(Service& svc, const std::string& name);
// Removes a soft-deleted vault, its objects and tokens (catalogue, one transaction), then its token keys.
// Forbidden under purge protection before scheduled_purge; NotFound unless soft-deleted.
Result<void> purge_vault(Service& svc, const std::string& name);
// BadParameter for retention outside 7..90 or purge protection turned off; NotFound for no live vault.
Result<VaultInfo> update_vault(Service& svc, const std::string& name, const VaultUpdate& u);

struct ExpiryReport {
  int objects = 0;  // secrets, keys, certificates purged (a certificate counts once)
  int vaults = 0;
};
// Purges every soft-deleted object and vault whose scheduled purge date is at or before Service::now(),
// purge protection or not (it protects exactly until then). Each is recorded as an "expire" event.
Result<ExpiryReport> purge_expired(Service& svc);

// One recorded step of a vault's or object's life cycle (the catalogue's record, as it is).
using LifecycleEvent = store::LifecycleEvent;
// The life-cycle record, newest first (all vaults when vault is nullopt); reads the catalogue only.
Result<std::vector<LifecycleEvent>> lifecycle_events(const HomeOptions& home, const std::optional<std::string>& vault,
                                                     std::size_t limit);

}  // namespace cv::vault
