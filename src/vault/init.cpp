// `coldvault init`: the home folder, the token (embedded: a new SoftHSM token), the security domain and
// a first vault. A failure part way undoes what init made, token objects included.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "coldvault/atomic_file.hpp"
#include "coldvault/crypto.hpp"
#include "vault/domain_gate.hpp"
#include "vault/home.hpp"
#include "vault/integrity.hpp"
#include "vault/labels.hpp"
#include "vault/transfer_detail.hpp"

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace cv::vault {

// RFC 4122 version-4 UUID from token randomness.
Result<std::string> new_uuid(hsm::Token& t) {
  auto r = t.random(16);
  if (!r) return std::unexpected(r.error());
  auto& b = *r;
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  std::string h = to_hex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20);
}

namespace {

// The home's domain row, in a write transaction that first checks the catalogue holds no other domain: init's
// earlier check is not atomic with this insert, so two inits racing on one new PostgreSQL catalogue could
// otherwise both make a domain in it (the writers' lock orders them here; the second is refused).
Result<void> add_only_domain(Service& svc, const store::DomainRow& d) {
  auto batch = svc.catalog().begin_batch();
  if (!batch) return std::unexpected(batch.error());
  auto all = svc.catalog().domains();
  if (!all) return std::unexpected(all.error());
  for (const auto& other : *all)
    if (other.kid != d.kid)
      return fail(Errc::Conflict, "the catalogue already holds security domain " + other.kid +
                                      " (another init made it meanwhile); add this node with `coldvault init --join` "
                                      "and `domain import` instead (docs/deployment.md)");
  if (auto r = svc.catalog().add_domain(d); !r) return r;
  return batch->commit();
}

// The security domain's RSA-3072 key pair and its catalogue row (kid, public key). The key pair's
// generation is most of init's time (a prime search): `serve --ephemeral` defers it.
Result<hsm::KeyPair> make_domain_key(Service& svc, const std::string& kid) {
  auto& token = svc.token();
  auto domain = token.create_domain_key(domain_label(kid), to_bytes(kid), 3072);
  if (!domain) return std::unexpected(domain.error());
  auto undo = [&] {
    (void)token.destroy(domain->pub);
    (void)token.destroy(domain->priv);
  };
  auto pub = token.rsa_public(domain->pub);
  if (!pub) return undo(), std::unexpected(pub.error());
  auto spki = crypto::spki_der(*pub);
  if (!spki) return undo(), std::unexpected(spki.error());
  if (auto r = add_only_domain(svc, {kid, *spki, Service::now()}); !r) return undo(), std::unexpected(r.error());
  return *domain;
}

// A random PIN for the embedded token: 32 hex characters.
Result<SecureBytes> random_pin() {
  auto raw = os_random(16);
  if (!raw) return std::unexpected(raw.error());
  std::string hex = to_hex(*raw);
  SecureBytes pin(hex.begin(), hex.end());
  secure_wipe(hex.data(), hex.size());
  return pin;
}

// Stores a PIN of the embedded token in a 0600 file of the home (a real HSM's PIN never is).
Result<void> store_pin(const std::string& path, const SecureBytes& pin) {
  SecureBytes line = pin;
  line.push_back('\n');
  return write_file_atomic(path, line);
}

Result<void> checkpoint(const InitOptions& io, std::string_view step) {
  return io.fault ? io.fault(step) : Result<void>{};
}

// <home>/init.pending: written before init makes anything, removed once config.json is written. Beside no
// config.json it means an init was killed part way (issue 19, docs/reliability.md). It names what a later init
// needs to remove what that one made: whether the token was the embedded one (then it lived in <home>/tokens),
// the module and token of an external one, the domain kid once chosen, the PostgreSQL catalogue. No secret.
struct InitPending {
  bool embedded = true;
  std::string module, token, kid, catalog, vault;
  bool vault_keys = false;  // the first vault's keys on the token are this init's (set by a failed init)
};

Result<void> write_init_pending(const std::string& home, const InitPending& p) {
  nlohmann::json j = {{"embedded", p.embedded}, {"module", p.module}, {"token", p.token}, {"kid", p.kid},
                      {"catalog", p.catalog},   {"vault", p.vault},   {"vault_keys", p.vault_keys}};
  return write_file_atomic(init_pending_path(home), as_bytes(j.dump() + "\n"));
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Whether the token keys labelled for the first vault are this init's: the vault's name is another home's to
// use on the same token too, so only when this home's catalogue holds the vault's row (create_vault finished)
// or its create guard names the vault (a create in progress, ADR 0019's rule).
bool first_vault_ours(const std::string& home, const std::string& vault, const std::string& catalog) {
  if (vault.empty()) return false;
  if (slurp(home + "/vault-create.pending") == vault) return true;
  if (!fs::exists(catalog_path(home)) && catalog.empty()) return false;
  auto cat = store::Catalog::open(catalog_path(home));
  return cat && cat->vault(vault);
}

// The home's files an init makes (the same list whether it failed or was killed).
constexpr const char* kInitFiles[] = {"tokens",        "softhsm2.conf",  "so.pin",         "user.pin",
                                      "catalog.db",    "catalog.db-wal", "catalog.db-shm", "catalog.url",
                                      "config.json",   "vault-create.lock", "vault-create.pending", "init.pending",
                                      "catalog.db-journal"};

// Removes from `home` the temp files (".<name>.<16 hex>.tmp", write_file_atomic) that a killed init's writes of
// kInitFiles left; appends each to `undone`.
Result<void> remove_init_temps(const std::string& home, std::vector<std::string>& undone) {
  std::error_code ec;
  std::vector<std::string> temps;
  for (const auto& e : fs::directory_iterator(home, ec)) {
    const std::string name = e.path().filename().string();
    for (const char* f : kInitFiles)
      if (is_atomic_temp_of(name, f)) temps.push_back(name);
  }
  if (ec) return fail(Errc::StorageFailure, "cannot list " + home + ": " + ec.message());
  for (const auto& t : temps) {
    if (!fs::remove(home + "/" + t, ec) && ec)
      return fail(Errc::StorageFailure, "cannot remove " + home + "/" + t + ": " + ec.message());
    undone.push_back(home + "/" + t);
  }
  return {};
}

// Whether every entry of `home` is a temp file of init.pending: an init killed while it wrote its first file.
bool only_pending_temps(const std::string& home) {
  std::error_code ec;
  bool any = false;
  for (const auto& e : fs::directory_iterator(home, ec)) {
    if (!is_atomic_temp_of(e.path().filename().string(), "init.pending")) return false;
    any = true;
  }
  return any && !ec;
}

std::string probe_unwrap_template(hsm::Token& token, hsm::Handle master) {
  auto enforced = token.unwrap_template_enforced(master);
  if (!enforced) return "not checked: " + enforced.error().message;
  return *enforced ? "enforced" : "not supported by this token";
}

// REQUIRES: so_pin holds the embedded token's SO PIN when the home is embedded (read or generated by
// init() before anything was made).
Result<InitReport> init_steps(const std::string& home, const HomeOptions& o, const VaultOptions& v,
                              const InitOptions& io, const SecureBytes& so_pin, std::string& made_kid,
                              bool& undo_failed) {
  std::error_code ec;
  fs::create_directories(home, ec);
  if (ec) return fail(Errc::StorageFailure, "cannot create " + home + ": " + ec.message());
  fs::permissions(home, fs::perms::owner_all, ec);
  InitPending pending{o.module.empty() && o.token.empty(), o.module, o.token, "", io.catalog, v.name};
  if (auto r = write_init_pending(home, pending); !r) return std::unexpected(r.error());

  if (!io.catalog.empty()) {
    // Before the token is opened: open_service reads the catalogue from where this file says.
    if (auto r = write_file_atomic(catalog_url_path(home), as_bytes(io.catalog + "\n")); !r)
      return std::unexpected(r.error());
  }
  HomeConfig cfg;
  cfg.embedded = o.module.empty() && o.token.empty();
  SecureBytes pin;
  if (cfg.embedded) {
    cfg.module = hsm::default_module_path();
    cfg.token = kEmbeddedTokenLabel;
    if (auto r = write_softhsm_conf(home); !r) return std::unexpected(r.error());
    use_softhsm_conf(home);
    if (io.dev)
      if (auto r = store_pin(home + "/so.pin", so_pin); !r) return std::unexpected(r.error());
    auto user = random_pin();
    if (!user) return std::unexpected(user.error());
    if (auto r = store_pin(home + "/user.pin", *user); !r) return std::unexpected(r.error());
    if (auto r = hsm::init_token(cfg.module, cfg.token, so_pin, *user); !r) return std::unexpected(r.error());
    test_kill_point("init-token-made");
    pin = std::move(*user);
  } else {
    if (o.token.empty()) return fail(Errc::BadParameter, "--module needs --token (a label or pkcs11: URI)");
    cfg.module = o.module;
    cfg.token = o.token;
    auto p = read_user_pin(o, cfg, home);
    if (!p) return std::unexpected(p.error());
    pin = std::move(*p);
  }

  auto svc = open_service(home, cfg, pin);
  if (!svc) return std::unexpected(svc.error());
  auto& token = svc->token();
  for (auto m : {hsm::Mech::RsaOaepSha1, hsm::Mech::AesGcm, hsm::Mech::AesKeyWrapPad, hsm::Mech::Ecdsa})
    if (auto r = token.require(m); !r) return std::unexpected(r.error());

  if (io.join) {
    auto id = token.random(8);
    if (!id) return std::unexpected(id.error());
    cfg.join_id = to_hex(*id);
    InitReport report{home, cfg.embedded, token.label(), "", "", {}, false, "not checked: no vault yet", {}};
    if (auto r = save_config(home, cfg); !r) return std::unexpected(r.error());
    fs::remove(init_pending_path(home), ec);
    if (cfg.embedded && io.dev) report.so_pin_stored = true;
    if (cfg.embedded && !io.dev && io.so_pin_file.empty()) report.so_pin.emplace(so_pin.begin(), so_pin.end());
    return report;
  }

  MadeObjects made(token, &undo_failed);  // after svc: destroyed (and undoing) while the token is still open
  auto kid = new_uuid(token);
  if (!kid) return std::unexpected(kid.error());
  made_kid = *kid;
  pending.kid = *kid;
  if (auto r = write_init_pending(home, pending); !r) return std::unexpected(r.error());
  if (io.defer_domain_key) {
    // The kid's row without its key, so the vaults can reference it; make_deferred_domain_key fills it.
    if (auto r = add_only_domain(*svc, {*kid, {}, Service::now()}); !r) return std::unexpected(r.error());
  } else {
    auto domain = make_domain_key(*svc, *kid);
    if (!domain) return std::unexpected(domain.error());
    made.add(domain->pub);
    made.add(domain->priv);
    test_kill_point("init-domain-made");
    if (auto r = checkpoint(io, "domain"); !r) return std::unexpected(r.error());
  }
  cfg.domain_kid = *kid;
  svc->set_domain_kid(*kid);
  // The integrity key before the first vault: its signer's registry entry is authenticated by it.
  auto integrity = svc->integrity();
  if (!integrity) return std::unexpected(integrity.error());
  made.add((*integrity)->key());
  // create_vault removes its own keys when it fails; once it has succeeded they are ours to undo.
  auto row = svc->create_vault(v);
  if (!row) return std::unexpected(row.error());
  auto vk = svc->vault(row->name);
  if (!vk) {
    // create_vault made the vault's keys; the lookup that hands them to `made` failed (the token faltered):
    // they are this init's, so remove them by label (found by the sweep in tests/e2e/fault_sweep.sh).
    for (const auto& [label, cls] : {std::pair{master_label(row->name), "secret"},
                                     std::pair{signing_label(row->name), "private"},
                                     std::pair{signing_label(row->name), "public"}})
      if (!transfer::destroy_all(token, label, cls)) undo_failed = true;
    return std::unexpected(vk.error());
  }
  made.add((*vk)->master);
  made.add((*vk)->signer.pub);
  made.add((*vk)->signer.priv);
  test_kill_point("init-vault-made");
  if (auto r = checkpoint(io, "vault"); !r) return std::unexpected(r.error());

  InitReport report{home, cfg.embedded, token.label(), *kid, row->name, {}, false, {}, {}};
  report.unwrap_template = probe_unwrap_template(token, (*vk)->master);
  // config.json is written last: its presence is what makes a home "initialised".
  if (auto r = save_config(home, cfg); !r) return std::unexpected(r.error());
  made.keep();
  fs::remove(init_pending_path(home), ec);  // config.json decides from here; a leftover pending is ignored
  if (cfg.embedded && io.dev) report.so_pin_stored = true;
  if (cfg.embedded && !io.dev && io.so_pin_file.empty()) report.so_pin.emplace(so_pin.begin(), so_pin.end());
  return report;
}

// The embedded token's SO PIN, settled before anything is made: read from --so-pin-file or generated.
// Empty for an external token. BadParameter for options that do not fit the home being made.
Result<SecureBytes> settle_so_pin(const HomeOptions& o, const InitOptions& io) {
  bool embedded = o.module.empty() && o.token.empty();
  if (!embedded && !io.so_pin_file.empty())
    return fail(Errc::BadParameter, "--so-pin-file is for the embedded token; an existing token keeps its SO PIN");
  if (!embedded && io.dev) return fail(Errc::BadParameter, "--dev is for the embedded token only");
  if (io.dev && !io.so_pin_file.empty())
    return fail(Errc::BadParameter, "--dev stores a generated SO PIN; it cannot be combined with --so-pin-file");
  if (!embedded) return SecureBytes{};
  if (!io.so_pin_file.empty()) return read_pin_file(io.so_pin_file);
  return random_pin();
}

// Removes what an init killed part way left in `home` (init.pending beside no config.json), so this init can
// start afresh; appends what it removed to `undone`. The embedded token lived in <home>/tokens and goes with the
// files; an external token's objects of that init are destroyed: the domain key and integrity key (labelled by
// the kid), and the first vault's keys when they are that init's (first_vault_ours, or a failed init said so). A PostgreSQL catalogue is
// dropped only when it holds that kid's domain or none (store::drop_catalog). Any failure stops here, with
// nothing of the new init made.
Result<void> undo_interrupted_init(const std::string& home, const HomeOptions& o, std::vector<std::string>& undone) {
  InitPending p;
  try {
    auto j = nlohmann::json::parse(slurp(init_pending_path(home)));
    p = {j.at("embedded").get<bool>(),   j.at("module").get<std::string>(),  j.at("token").get<std::string>(),
         j.at("kid").get<std::string>(), j.at("catalog").get<std::string>(), j.at("vault").get<std::string>(),
         j.at("vault_keys").get<bool>()};
  } catch (const std::exception&) {
    return fail(Errc::Corruption, init_pending_path(home) + " is not what coldvault init writes: remove the folder " +
                                      home + " by hand if it holds nothing you need");
  }
  if (!p.embedded && !p.kid.empty()) {
    // The token the killed init used, with the PIN this init is given for it.
    HomeConfig cfg;
    cfg.embedded = false;
    cfg.module = p.module;
    cfg.token = p.token;
    auto pin = read_user_pin(o, cfg, home);
    if (!pin) return std::unexpected(pin.error());
    auto token = hsm::Token::open(token_spec(cfg), *pin);
    if (!token) return std::unexpected(token.error());
    // The domain and integrity keys carry the kid this init drew: they are its own.
    const bool vault_ours = p.vault_keys || first_vault_ours(home, p.vault, p.catalog);
    std::vector<std::pair<std::string, const char*>> labels = {{domain_label(p.kid), "private"},
                                                                {domain_label(p.kid), "public"},
                                                                {integrity_label(p.kid), "secret"}};
    if (vault_ours) {
      labels.push_back({master_label(p.vault), "secret"});
      labels.push_back({signing_label(p.vault), "private"});
      labels.push_back({signing_label(p.vault), "public"});
    }
    for (const auto& [label, cls] : labels) {
      auto found = token->find_all(label, cls);
      if (!found) return std::unexpected(found.error());
      for (auto h : *found)
        if (auto r = token->destroy(h); !r) return std::unexpected(r.error());
      if (!found->empty()) undone.push_back("token object " + label + " (" + cls + ")");
    }
  }
  std::error_code ec;
  for (const char* f : kInitFiles)
    if (fs::exists(home + "/" + f, ec)) {
      fs::remove_all(home + "/" + f, ec);
      if (ec) return fail(Errc::StorageFailure, "cannot remove " + home + "/" + f + ": " + ec.message());
      undone.push_back(home + "/" + f);
    }
  if (auto r = remove_init_temps(home, undone); !r) return r;
  forget_catalog_path(home);
  if (!p.catalog.empty() && !p.kid.empty()) {
    auto dropped = store::drop_catalog(p.catalog, p.kid);
    if (!dropped) return std::unexpected(dropped.error());
    if (*dropped) undone.push_back("the tables of domain " + p.kid + " in " + p.catalog);
  }
  return {};
}

}  // namespace

Result<InitReport> init(const HomeOptions& o, const VaultOptions& v, const InitOptions& io) {
  std::string home = resolve_home(o);
  if (auto r = check_vault_name(v.name); !r) return std::unexpected(r.error());
  // Before anything is created: a PIN inside --token would otherwise reach config.json (and argv
  // already showed it to every user of the machine).
  if (auto r = hsm::refuse_pin_in_uri(o.token); !r) return std::unexpected(r.error());
  if (fs::exists(config_path(home)))
    return fail(Errc::Conflict, "a coldvault home already exists at " + home +
                                    " (use `coldvault vault create` to add a vault)");
  std::vector<std::string> undone;
  if (fs::exists(init_pending_path(home)))
    if (auto r = undo_interrupted_init(home, o, undone); !r)
      return fail(r.error().code, "an earlier init of " + home + " was interrupted and what it made cannot be removed: " +
                                      r.error().message, r.error().native);
  std::error_code ec;
  // Killed while it wrote init.pending, its first file: only that write's temp file is there.
  if (!fs::exists(init_pending_path(home)) && only_pending_temps(home))
    if (auto r = remove_init_temps(home, undone); !r) return std::unexpected(r.error());
  if (fs::exists(home) && !fs::is_empty(home, ec))
    return fail(Errc::Conflict, "refusing to initialise " + home + ": the folder is not empty");
  bool made_catalog = false;
  if (!io.catalog.empty()) {
    if (auto r = store::check_catalog_location(io.catalog); !r) return std::unexpected(r.error());
    auto has = store::catalog_has_domain(io.catalog);
    if (!has) return std::unexpected(has.error());
    // A node joining a shared catalogue (`init --join`, then `domain import`) finds the domain there; any other
    // init would make a second domain in another home's catalogue.
    if (*has && !io.join)
      return fail(Errc::Conflict, "the catalogue at " + io.catalog +
                                      " already holds a security domain: it is another home's catalogue; add a "
                                      "node over it with `coldvault init --join --catalog URL` and `domain import` "
                                      "(docs/deployment.md), not a new init");
    made_catalog = !*has;
  }
  auto so_pin = settle_so_pin(o, io);
  if (!so_pin) return std::unexpected(so_pin.error());
  std::string made_kid;  // the domain this init made, once chosen
  bool undo_failed = false;
  auto r = init_steps(home, o, v, io, *so_pin, made_kid, undo_failed);
  if (r && io.defer_domain_key) domain_gate::expect(r->domain_kid);
  if (r) r->undone = std::move(undone);
  if (!r) {
    // A half-made home would block the next attempt (the token label exists): remove what init made.
    // Token objects on an external token were destroyed by init_steps, unless the token went away meanwhile:
    // then init.pending stays, alone, so the next init destroys them (undo_interrupted_init) before it begins.
    const Errc c = r.error().code;
    const bool token_left = !(o.module.empty() && o.token.empty()) && !made_kid.empty() &&
                            (undo_failed || c == Errc::HsmUnavailable || c == Errc::HsmFailure);
    InitPending left{false, o.module, o.token, made_kid, io.catalog, v.name, false};
    if (token_left) left.vault_keys = first_vault_ours(home, v.name, io.catalog);
    for (const char* f : kInitFiles) fs::remove_all(home + "/" + f, ec);
    if (token_left) (void)write_init_pending(home, left);
    forget_catalog_path(home);
    if (made_catalog) (void)store::drop_catalog(io.catalog, made_kid);
  }
  return r;
}

Result<void> drop_throwaway_catalog(const std::string& url, const std::string& kid) {
  auto dropped = store::drop_catalog(url, kid);
  if (!dropped) return std::unexpected(dropped.error());
  return {};
}

Result<void> make_deferred_domain_key(const HomeOptions& o, const std::string& kid) {
  auto made = [&]() -> Result<void> {
    auto svc = Service::open(o);
    if (!svc) return std::unexpected(svc.error());
    if (svc->domain_kid() != kid) return fail(Errc::Internal, "the home's domain is not " + kid);
    auto domain = make_domain_key(*svc, kid);
    if (!domain) return std::unexpected(domain.error());
    return {};
  };
  auto r = made();
  if (!r) r = fail(r.error().code, "the security domain key could not be made: " + r.error().message, r.error().native);
  domain_gate::settle(kid, r);
  return r;
}

}  // namespace cv::vault
