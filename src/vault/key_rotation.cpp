// Key rotation policies: parse and check them (Key Vault's rules), keep them per key (store/rotation_rows),
// and rotate the keys whose Rotate action is due. See coldvault/key_rotation.hpp.
#include "coldvault/key_rotation.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

#include "coldvault/audit.hpp"
#include "coldvault/certificates.hpp"
#include "coldvault/rotation_rows.hpp"
#include "vault/keys_common.hpp"

namespace cv::vault {
namespace {

using Json = nlohmann::json;

// `TRY(x, expr);` declares x as the value of a Result, or returns its error (as the server's CV_UNWRAP).
#define TRY(var, expr)                                               \
  auto var##_result_ = (expr);                                       \
  if (!var##_result_) return std::unexpected(var##_result_.error()); \
  auto& var = *var##_result_
using keys_detail::bad;

constexpr std::int64_t kDay = 86400;
// Key Vault's minimums (docs "Configure key auto-rotation"): a version lives at least 28 days, a trigger
// fires at least 7 days after creation or before expiry.
constexpr std::int64_t kMinExpiry = 28 * kDay;
constexpr std::int64_t kMinTrigger = 7 * kDay;
// A duration above ~100 years is a typo, and its seconds would overflow a timestamp sum.
constexpr std::int64_t kMaxDuration = 100LL * 365 * kDay;

const char* kNotifyDefault = "P30D";

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<std::string> duration_field(const Json& obj, const std::string& key, const std::string& field) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return std::unexpected(bad("Property '" + field + "' must be an ISO-8601 duration string."));
  return it->get<std::string>();
}

Result<LifetimeAction> parse_action(const Json& a, std::size_t i) {
  std::string at = "lifetimeActions[" + std::to_string(i) + "]";
  if (!a.is_object()) return std::unexpected(bad("Property '" + at + "' must be an object."));
  auto trig = a.find("trigger");
  auto act = a.find("action");
  if (trig == a.end() || !trig->is_object()) return std::unexpected(bad("Property '" + at + ".trigger' is required."));
  if (act == a.end() || !act->is_object()) return std::unexpected(bad("Property '" + at + ".action' is required."));
  auto type = act->find("type");
  if (type == act->end() || !type->is_string())
    return std::unexpected(bad("Property '" + at + ".action.type' is required: Rotate or Notify."));
  LifetimeAction out;
  std::string t = lower(type->get<std::string>());  // Key Vault answers "Rotate", Managed HSM "rotate"
  if (t == "rotate") out.type = "Rotate";
  else if (t == "notify") out.type = "Notify";
  else
    return std::unexpected(bad("Property '" + at + ".action.type' must be Rotate or Notify, not '" +
                               type->get<std::string>().substr(0, 32) + "'."));
  TRY(after, duration_field(*trig, "timeAfterCreate", at + ".trigger.timeAfterCreate"));
  TRY(before, duration_field(*trig, "timeBeforeExpiry", at + ".trigger.timeBeforeExpiry"));
  if (after.empty() == before.empty())
    return std::unexpected(bad("Property '" + at + ".trigger' needs exactly one of timeAfterCreate and timeBeforeExpiry."));
  out.trigger = after.empty() ? "timeBeforeExpiry" : "timeAfterCreate";
  out.duration = after.empty() ? before : after;
  std::string field = at + ".trigger." + out.trigger;
  TRY(secs, parse_iso_duration(out.duration, field));
  if (secs < kMinTrigger) return std::unexpected(bad("Property '" + field + "' must be at least 7 days (P7D)."));
  out.seconds = secs;
  if (out.type == "Notify" && out.trigger != "timeBeforeExpiry")
    return std::unexpected(bad("Property '" + field + "': a Notify action takes timeBeforeExpiry only."));
  return out;
}

RotationPolicy default_policy() {
  RotationPolicy p;
  p.actions.push_back(LifetimeAction{"Notify", "timeBeforeExpiry", kNotifyDefault, 30 * kDay});
  return p;
}

}  // namespace

Result<std::int64_t> parse_iso_duration(const std::string& text, const std::string& field) {
  auto refuse = [&] {
    return std::unexpected(bad("Property '" + field + "' is not a valid ISO-8601 duration ('" + text.substr(0, 32) +
                               "'); use a form such as P90D, P1Y or PT12H."));
  };
  if (text.size() < 3 || text[0] != 'P') return refuse();
  std::int64_t total = 0;
  bool time = false, any = false;
  std::string order = "YMWD";  // date units, in the order they may appear
  std::size_t i = 1;
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (time || i + 1 == text.size()) return refuse();
      time = true, order = "HMS";
      ++i;
      continue;
    }
    std::int64_t n = 0;
    std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (i - start >= 9) return refuse();  // 10^9 of anything is beyond kMaxDuration anyway
      n = n * 10 + (text[i++] - '0');
    }
    if (i == start || i == text.size()) return refuse();
    auto unit = order.find(text[i]);
    if (unit == std::string::npos) return refuse();
    static constexpr std::int64_t kDate[] = {365 * kDay, 30 * kDay, 7 * kDay, kDay};
    static constexpr std::int64_t kTime[] = {3600, 60, 1};
    total += n * (time ? kTime[unit] : kDate[unit]);
    order = order.substr(unit + 1);  // each unit once, larger before smaller
    any = true;
    ++i;
    if (total > kMaxDuration) return std::unexpected(bad("Property '" + field + "' is longer than 100 years."));
  }
  if (!any || total == 0) return refuse();
  return total;
}

Result<RotationPolicy> parse_rotation_policy(const std::string& json_text) {
  auto j = Json::parse(json_text, nullptr, false);
  if (!j.is_object()) return std::unexpected(bad("The rotation policy must be a JSON object."));
  RotationPolicy p;
  if (auto at = j.find("attributes"); at != j.end() && !at->is_null()) {
    if (!at->is_object()) return std::unexpected(bad("Property 'attributes' must be an object."));
    TRY(exp, duration_field(*at, "expiryTime", "attributes.expiryTime"));
    if (!exp.empty()) {
      TRY(secs, parse_iso_duration(exp, "attributes.expiryTime"));
      if (secs < kMinExpiry) return std::unexpected(bad("Property 'attributes.expiryTime' must be at least 28 days (P28D)."));
      p.expiry_time = exp;
      p.expiry_seconds = secs;
    }
  }
  if (auto la = j.find("lifetimeActions"); la != j.end() && !la->is_null()) {
    if (!la->is_array()) return std::unexpected(bad("Property 'lifetimeActions' must be an array."));
    for (std::size_t i = 0; i < la->size(); ++i) {
      TRY(a, parse_action((*la)[i], i));
      for (const auto& other : p.actions)
        if (other.type == a.type)
          return std::unexpected(bad("Property 'lifetimeActions[" + std::to_string(i) + "]': only one " + a.type +
                                     " action is allowed."));
      std::string field = "lifetimeActions[" + std::to_string(i) + "].trigger." + a.trigger;
      if (a.trigger == "timeBeforeExpiry" && !p.expiry_seconds)
        return std::unexpected(bad("Property '" + field + "' needs 'attributes.expiryTime' in the policy."));
      // A trigger that can only come after the version expired (or at its creation) never does what it says.
      if (p.expiry_seconds && a.seconds > *p.expiry_seconds - kMinTrigger)
        return std::unexpected(bad("Property '" + field + "' (" + a.duration + ") must leave at least 7 days of "
                                   "the version's lifetime ('attributes.expiryTime' " + *p.expiry_time + ")."));
      p.actions.push_back(std::move(a));
    }
  }
  return p;
}

std::string rotation_policy_json(const RotationPolicy& p, const std::string& base_url, const std::string& name) {
  Json actions = Json::array();
  for (const auto& a : p.actions)
    actions.push_back({{"trigger", {{a.trigger, a.duration}}}, {"action", {{"type", a.type}}}});
  Json attrs = Json::object();
  if (p.expiry_time) attrs["expiryTime"] = *p.expiry_time;
  if (p.created) attrs["created"] = *p.created;
  if (p.updated) attrs["updated"] = *p.updated;
  return Json{{"id", base_url + "/keys/" + name + "/rotationpolicy"}, {"lifetimeActions", actions}, {"attributes", attrs}}
      .dump();
}

Result<RotationPolicy> get_rotation_policy(Service& svc, const std::string& vault, const std::string& name) {
  TRY(row, keys_detail::kv(store::rotation_policy(svc.catalog(), vault, name), name));
  if (!row) return default_policy();
  TRY(p, parse_rotation_policy(row->policy_json));
  p.created = row->created, p.updated = row->updated;
  return p;
}

Result<RotationPolicy> set_rotation_policy(Service& svc, const std::string& vault, const std::string& name,
                                           const RotationPolicy& p) {
  Keys keys(svc, vault);
  if (auto live = keys.get(name, ""); !live) return std::unexpected(live.error());  // NotFound, deleted
  // A certificate's key is renewed with its certificate, never rotated alone (Keys::rotate refuses it):
  // a Rotate action would be accepted here and then fail on every timer pass. Notify stays allowed.
  for (const auto& a : p.actions)
    if (a.type == "Rotate")
      if (auto r = refuse_if_certificate_managed(svc, vault, name, "key", "set a Rotate rotation policy"); !r)
        return std::unexpected(r.error());
  // Stored as its canonical JSON (the parse of it gives the same policy back).
  auto text = Json::parse(rotation_policy_json(p, "", name));
  text.erase("id");
  text["attributes"].erase("created"), text["attributes"].erase("updated");
  TRY(row, keys_detail::kv(store::put_rotation_policy(svc.catalog(), vault, name, text.dump(), Service::now()), name));
  RotationPolicy out = p;
  out.created = row.created, out.updated = row.updated;
  return out;
}

Result<std::optional<std::int64_t>> rotation_expiry(Service& svc, const std::string& vault, const std::string& name,
                                                    std::int64_t now) {
  TRY(row, keys_detail::kv(store::rotation_policy(svc.catalog(), vault, name), name));
  if (!row) return std::optional<std::int64_t>{};
  TRY(p, parse_rotation_policy(row->policy_json));
  if (!p.expiry_seconds) return std::optional<std::int64_t>{};
  return std::optional(now + *p.expiry_seconds);
}

Result<RotationReport> rotate_due(Service& svc) {
  TRY(rows, store::live_rotation_policies(svc.catalog()));
  RotationReport report;
  const std::int64_t now = Service::now();
  for (const auto& row : rows) {
    auto p = parse_rotation_policy(row.policy_json);
    if (!p) continue;  // stored by set_rotation_policy, so parsable; a hand-edited row is skipped, not fatal
    const LifetimeAction* rotate = nullptr;
    for (const auto& a : p->actions)
      if (a.type == "Rotate") rotate = &a;
    if (!rotate) continue;
    Keys keys(svc, row.vault);
    auto current = keys.get(row.name, "");
    if (!current) continue;  // deleted meanwhile
    const auto& v = current->meta;
    bool due = rotate->trigger == "timeAfterCreate" ? now >= v.created + rotate->seconds
                                                    : v.exp && now >= *v.exp - rotate->seconds;
    if (!due) continue;
    // Its own audit record, nested in the caller's (docs/audit.md): the change commits with it.
    store::AuditRecord rec;
    rec.time = now, rec.via = "system", rec.actor = "system", rec.operation = "RotateKey";
    rec.vault = row.vault, rec.type = "key", rec.name = row.name;
    audit::Scope scope(std::move(rec), catalog_path(svc.home()));
    audit::bind(scope, &svc);
    auto r = keys.rotate(row.name);
    if (r) {
      scope.record().version = r->meta.version;
      ++report.rotated;
    } else {
      ++report.failed;
      report.errors.push_back(row.vault + "/" + row.name + ": " + r.error().message);
    }
    (void)scope.finish(r ? 200 : 500, r ? std::string() : std::string(errc_name(r.error().code)));
    audit::bind(scope, nullptr);
  }
  return report;
}

}  // namespace cv::vault
