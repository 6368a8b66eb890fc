// Whole-vault bundle jobs over REST, shaped like Managed HSM's backup/restore (docs/rest.md "Bundle jobs"):
// POST /backup, GET /backup/{id}/pending, PUT /restore, PUT /{keys,secrets,certificates}/{name}/restore,
// GET /restore/{id}/pending, and coldvault's GET /backup/{id}/bundle (the web console's download of a finished
// backup's file). Each start parses, checks the file name, and hands bundle::backup_vault or
// restore_vault to the one-at-a-time job runner (bundle_jobs.hpp); the answer is 202 with the job object.
// Azure Storage is not spoken: bundles are files in serve's --bundle-dir, and the "container URI" the SDKs
// carry between backup and restore is that folder's file:// URI (or the caller's storageResourceUri).
#include <sys/stat.h>

#include <atomic>
#include <ctime>
#include <fstream>

#include "coldvault/audit.hpp"
#include "coldvault/bundle.hpp"
#include "coldvault/bundle_json.hpp"
#include "coldvault/time_text.hpp"
#include "server/body.hpp"
#include "server/errors.hpp"
#include "server/bundle_jobs.hpp"
#include "server/router.hpp"

namespace cv::server {
namespace {

using Opener = std::function<Result<vault::Service>()>;

struct Setup {
  std::string dir;
  Opener open;
  BundleJobs* jobs;
};

const char* const kCollections[] = {"secrets", "keys", "certificates"};

std::vector<Permission> on_every_collection(const std::string& action) {
  std::vector<Permission> out;
  for (const char* k : kCollections) out.push_back({k, action});
  return out;
}

std::optional<Error> no_dir(const Setup& s) {
  if (!s.dir.empty()) return std::nullopt;
  return Error{Errc::BadParameter, "this server has no bundle folder (serve --bundle-dir)", {}, {}, {}};
}


std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// FullBackupOperation / RestoreOperation / SelectiveKeyRestoreOperation, plus coldvault's extra members.
Json job_json(const JobState& j) {
  Json out = j.extra;
  out["status"] = job_status_name(j.status);
  out["statusDetails"] = j.error ? Json(j.error->message) : Json(nullptr);
  out["error"] = j.error ? vault::error_json(*j.error)["error"] : Json(nullptr);
  out["jobId"] = j.id;
  out["startTime"] = j.start;
  out["endTime"] = j.end ? Json(*j.end) : Json(nullptr);
  return out;
}

Response accepted(const Ctx& c, const JobState& j, const char* what) {
  Response r = json_response(202, job_json(j));
  r.headers.emplace_back("Azure-AsyncOperation",
                         c.origin + "/" + what + "/" + j.id + "/pending?api-version=" + percent_encode(c.api_version));
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

// The SAS token parameters of a body: an object when present. Its token is accepted and ignored.
Result<std::optional<std::string>> storage_uri(const BodyJson& sas) {
  if (!sas.is_object()) return std::unexpected(bad_parameter("sasTokenParameters: expected a JSON object"));
  CV_UNWRAP(uri, opt_string(sas, "storageResourceUri"));
  CV_UNWRAP(token, opt_string(sas, "token"));
  CV_UNWRAP(mi, opt_bool(sas, "useManagedIdentity"));
  (void)token;
  (void)mi;
  return uri;
}

// `folderToRestore` / `folder`: a plain file name inside the bundle folder (a path would reach outside
// it), which must exist: a missing bundle is refused now, not reported later by a job.
Result<std::string> bundle_file(const Setup& s, const BodyJson& body, std::string_view field) {
  CV_UNWRAP(name, req_string(body, field));
  if (name.empty() || name.size() > 255 || name == "." || name == ".." ||
      name.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos || name.find("..") != std::string::npos)
    return std::unexpected(bad_parameter(std::string(field) + ": a bundle file name in the server's bundle folder, " +
                                         "without '/', '\\' or '..'"));
  std::string path = s.dir + "/" + name;
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return fail(Errc::NotFound, "there is no bundle '" + name + "' in the server's bundle folder");
  return path;
}

// A job runs after its request was answered (202): it gets an audit record of its own, a copy of the
// request's (same actor, client, operation) that says how the job ended and names the job.
audit::Record job_record(const std::string& job_id) {
  audit::Record r;
  if (auto* scope = audit::Scope::current()) r = scope->record();
  r.request_id += (r.request_id.empty() ? "job " : " job ") + job_id;
  return r;
}

template <class F>
Result<Json> audited(audit::Record rec, const Opener& open, F run) {
  CV_UNWRAP(svc, open());
  rec.time = vault::Service::now();
  audit::Scope scope(std::move(rec), "");
  Result<Json> out = run(svc);
  audit::bind(scope, &svc);
  auto done = out ? scope.finish(200) : scope.finish(status_for(out.error()), kv_error_code(out.error()));
  audit::bind(scope, nullptr);
  if (!done) return std::unexpected(done.error());
  return out;
}

Result<Response> start_backup(const Setup& s, Ctx& c) {
  if (auto e = no_dir(s)) return std::unexpected(*e);
  CV_UNWRAP(body, json_body(c.req, true));
  CV_UNWRAP(uri, storage_uri(body));
  std::string id = BundleJobs::new_id();
  std::string name = c.vault + "-" + utc_compact(unix_now()) + "-" + id.substr(0, 8) + ".cvb";
  std::string container = uri && !uri->empty() ? *uri : "file://" + s.dir;
  while (container.size() > 1 && container.back() == '/') container.pop_back();
  Json extra = {{"azureStorageBlobContainerUri", container + "/" + name}, {"file", name}};
  BundleJobs::Work work = [open = s.open, vault = c.vault, path = s.dir + "/" + name,
                           rec = job_record(id)]() -> Result<Json> {
    return audited(rec, open, [&](vault::Service& svc) -> Result<Json> {
      CV_UNWRAP(r, bundle::backup_vault(svc, vault, path));
      // A bundle's creation is a moment an auditor wants a signed tree head for (docs/audit.md §3).
      auto cp = audit::checkpoint(svc);
      return Json{{"bundleId", r.bundle_id}, {"counts", bundle::counts_json(r.counts)}, {"bytes", r.bytes},
                  {"manifestSha256", r.manifest_sha256}, {"auditCheckpoint", cp ? Json(cp->size) : Json(nullptr)}};
    });
  };
  CV_UNWRAP(job, s.jobs->start(id, JobKind::Backup, c.vault, on_every_collection("backup"), extra, work));
  return accepted(c, job, "backup");
}

Result<Response> start_restore(const Setup& s, Ctx& c, bundle::Selection sel, std::vector<Permission> perms,
                               std::string_view field) {
  if (auto e = no_dir(s)) return std::unexpected(*e);
  CV_UNWRAP(body, json_body(c.req, false));
  if (auto it = body.find("sasTokenParameters"); it != body.end() && !it->is_null()) {
    CV_UNWRAP(uri, storage_uri(*it));
    (void)uri;  // the folder is always serve's --bundle-dir
  }
  CV_UNWRAP(path, bundle_file(s, body, field));
  Json extra = {{"file", path.substr(s.dir.size() + 1)}, {"selective", sel.any()}};
  std::string id = BundleJobs::new_id();
  BundleJobs::Work work = [open = s.open, vault = c.vault, path, sel, rec = job_record(id)]() -> Result<Json> {
    return audited(rec, open, [&](vault::Service& svc) -> Result<Json> {
      CV_UNWRAP(r, bundle::restore_vault(svc, vault, path, sel));
      return Json{{"bundleId", r.bundle_id}, {"sourceVault", r.source_vault}, {"createdVault", r.created_vault},
                  {"restored", bundle::counts_json(r.counts)}};
    });
  };
  CV_UNWRAP(job, s.jobs->start(id, JobKind::Restore, c.vault, std::move(perms), extra, work));
  return accepted(c, job, "restore");
}

// A job is read only through the vault that started it, with the permissions that started it.
Result<JobState> readable_job(const Setup& s, Ctx& c, JobKind kind) {
  auto found = s.jobs->find(kind, c.params.name);
  // Another vault's job is not there for this one: the same NotFound as an id never seen.
  if (!found || found->vault != c.vault) return fail(Errc::NotFound, "no " + std::string(kind == JobKind::Backup ? "backup" : "restore") +
                                              " job '" + c.params.name.substr(0, 64) + "' for vault '" + c.vault +
                                              "' on this server (the last " + std::to_string(BundleJobs::kMaxKept) +
                                              " jobs are kept until it restarts)");
  const JobState& job = *found;
  for (const auto& p : job.permissions)
    if (!c.allows(p))
      return fail_kv(Errc::Forbidden,
                     "The caller does not have " + p.collection + " " + p.action + " permission on key vault '" +
                         c.vault + ";location=local', which job " + job.id + " needs.",
                     "Forbidden", "AccessDenied");
  return job;
}

Result<Response> job_status(const Setup& s, Ctx& c, JobKind kind) {
  CV_UNWRAP(job, readable_job(s, c, kind));
  return json_response(200, job_json(job));
}

// The transport holds a whole answer in memory (twice while it is written out): a bigger bundle is copied
// from --bundle-dir instead (docs/rest.md).
constexpr std::uintmax_t kMaxBundleAnswer = 64u << 20;

// The bundle file of a backup job that succeeded, as written (atomically, so complete) into --bundle-dir.
Result<Response> job_bundle(const Setup& s, Ctx& c) {
  if (auto e = no_dir(s)) return std::unexpected(*e);
  CV_UNWRAP(job, readable_job(s, c, JobKind::Backup));
  if (job.status != JobStatus::Succeeded)
    return fail(Errc::Conflict, "backup job " + job.id + " has no bundle to download: it is " +
                                    std::string(job_status_name(job.status)));
  const std::string name = job.extra.value("file", "");
  const std::string path = s.dir + "/" + name;
  struct stat st {};
  if (name.empty() || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return fail(Errc::NotFound, "the bundle '" + name + "' of backup job " + job.id + " is no longer in the bundle folder");
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxBundleAnswer)
    return fail(Errc::Unsupported, "the bundle '" + name + "' is " + std::to_string(st.st_size) +
                                       " bytes; a download carries at most 64 MiB: copy it from serve's --bundle-dir");
  // One download read at a time: each holds up to 64 MiB, and a second meanwhile is told to retry.
  static std::atomic<bool> reading{false};
  if (reading.exchange(true))
    return fail(Errc::Conflict, "another bundle download is being read; retry when it ends");
  struct Done {
    ~Done() { reading = false; }
  } done;
  std::ifstream in(path, std::ios::binary);
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())) || in.peek() != std::ifstream::traits_type::eof())
    return fail(Errc::StorageFailure, "the bundle '" + name + "' could not be read whole from the bundle folder");
  Response r{200, std::move(bytes), {}};
  r.headers.emplace_back("Content-Type", "application/octet-stream");
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
  return r;
}

}  // namespace

void add_bundle_routes(Router& r, std::string dir, Opener open, BundleJobs& jobs) {
  auto s = std::make_shared<Setup>(Setup{std::move(dir), std::move(open), &jobs});
  r.add_needing("POST", "backup", on_every_collection("backup"), [s](Ctx& c) { return start_backup(*s, c); });
  r.add_needing("GET", "backup/{name}/pending", {}, [s](Ctx& c) { return job_status(*s, c, JobKind::Backup); });
  r.add_needing("GET", "backup/{name}/bundle", {}, [s](Ctx& c) { return job_bundle(*s, c); });
  r.add_needing("PUT", "restore", on_every_collection("restore"),
                [s](Ctx& c) { return start_restore(*s, c, {}, on_every_collection("restore"), "folderToRestore"); });
  r.add_needing("GET", "restore/{name}/pending", {}, [s](Ctx& c) { return job_status(*s, c, JobKind::Restore); });
  for (const char* k : kCollections) {
    std::string coll = k;
    r.add("PUT", coll + "/{name}/restore", Permission{coll, "restore"}, [s, coll](Ctx& c) {
      bundle::Selection sel;
      (coll == "keys" ? sel.key : coll == "secrets" ? sel.secret : sel.certificate) = c.params.name;
      return start_restore(*s, c, sel, {{coll, "restore"}}, "folder");
    });
  }
}

}  // namespace cv::server
