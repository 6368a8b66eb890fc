// One background bundle job at a time, and the record of the last ones (contract in bundle_jobs.hpp).
#include "server/bundle_jobs.hpp"

#include <sys/stat.h>

#include <system_error>

#include <atomic>
#include <chrono>
#include <iostream>
#include <random>

namespace cv::server {
namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A job id is a handle, not a secret (reading a job needs the permissions that started it), so the
// standard library's generator is enough; 128 bits keep ids unique over any server's life.
}  // namespace

std::string BundleJobs::new_id() {
  static std::mutex mu;
  static std::random_device rd;
  static const char* kHex = "0123456789abcdef";
  std::lock_guard lock(mu);
  std::string id;
  for (int i = 0; i < 4; ++i) {
    std::uint32_t w = rd();
    for (int j = 0; j < 8; ++j, w >>= 4) id.push_back(kHex[w & 15]);
  }
  return id;
}

namespace {

std::mutex g_gate_mu;
std::string g_gate;  // empty: no gate (every shipped build)

void wait_for_gate() {
  std::string gate;
  {
    std::lock_guard lock(g_gate_mu);
    gate = g_gate;
  }
  if (gate.empty()) return;
  struct stat st{};
  // Polling a test-only file; a shipped build never gets here.
  while (::stat(gate.c_str(), &st) != 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace

std::string_view job_status_name(JobStatus s) {
  switch (s) {
    case JobStatus::InProgress:
      return "InProgress";
    case JobStatus::Succeeded:
      return "Succeeded";
    case JobStatus::Failed:
      return "Failed";
  }
  return "Failed";
}

void BundleJobs::set_test_gate(std::string path) {
  std::lock_guard lock(g_gate_mu);
  g_gate = std::move(path);
}

Result<JobState> BundleJobs::start(std::string id, JobKind kind, std::string vault, std::vector<Permission> permissions,
                                   nlohmann::json extra, Work work) {
  std::lock_guard tlock(thread_mu_);
  JobState job;
  {
    std::lock_guard lock(mu_);
    if (running_) {
      const JobState* r = find_locked(*running_);
      return fail(Errc::Conflict, "a " + std::string(r && r->kind == JobKind::Restore ? "restore" : "backup") +
                                      " job is already running on this server (jobId " + *running_ +
                                      (r ? ", vault '" + r->vault + "'" : std::string()) +
                                      "); one job runs at a time: retry when it has finished");
    }
    job.id = std::move(id);
    job.kind = kind;
    job.vault = std::move(vault);
    job.permissions = std::move(permissions);
    job.start = unix_now();
    job.extra = extra.is_object() ? std::move(extra) : nlohmann::json::object();
    jobs_.push_back(job);
    while (jobs_.size() > kMaxKept) jobs_.pop_front();  // never the new one, the only one running
    running_ = job.id;
  }
  // The previous job has finished (running_ was clear): its thread is at most returning.
  if (thread_.joinable()) thread_.join();
  try {
    thread_ = std::thread([this, id = job.id, work = std::move(work)]() mutable { run(std::move(id), std::move(work)); });
  } catch (const std::system_error& e) {  // no thread: the job fails at once and the next one may start
    std::lock_guard lock(mu_);
    if (JobState* j = find_locked(job.id)) {
      j->status = JobStatus::Failed;
      j->end = unix_now();
      j->error = Error{Errc::Internal, std::string("the job could not start: ") + e.what(), {}, {}, {}};
    }
    running_.reset();
    return fail(Errc::Internal, std::string("the job could not start: ") + e.what());
  }
  return job;
}

void BundleJobs::run(std::string id, Work work) {
  wait_for_gate();
  Result<nlohmann::json> r = std::unexpected(Error{Errc::Internal, "the job did not run", {}, {}, {}});
  try {
    r = work();
  } catch (const std::exception& e) {
    // A bug or bad_alloc in the job: it fails and is logged; the server keeps running.
    std::cerr << "coldvault serve: internal error in bundle job " << id << ": " << e.what() << "\n";
    r = std::unexpected(Error{Errc::Internal, "the job hit an internal error; see the server's log", {}, {}, {}});
  }
  JobState done;
  {
    std::lock_guard lock(mu_);
    if (JobState* j = find_locked(id)) done = *j;
  }
  done.end = unix_now();
  if (r) {
    done.status = JobStatus::Succeeded;
    for (auto& [k, v] : r->items()) done.extra[k] = v;
  } else {
    done.status = JobStatus::Failed;
    done.error = r.error();
    std::cerr << "coldvault serve: bundle job " << id << " failed: " << errc_name(r.error().code) << ": "
              << r.error().message << (r.error().native.empty() ? "" : " [" + r.error().native + "]") << "\n";
  }
  std::lock_guard lock(mu_);
  if (JobState* j = find_locked(id)) *j = std::move(done);
  running_.reset();
}

Result<JobState> BundleJobs::find(JobKind kind, const std::string& id) const {
  std::lock_guard lock(mu_);
  for (const auto& j : jobs_)
    if (j.id == id && j.kind == kind) return j;
  return fail(Errc::NotFound, "no " + std::string(kind == JobKind::Backup ? "backup" : "restore") + " job '" +
                                  id.substr(0, 64) + "' on this server (the last " + std::to_string(kMaxKept) +
                                  " jobs are kept until it restarts)");
}

JobState* BundleJobs::find_locked(const std::string& id) {
  for (auto& j : jobs_)
    if (j.id == id) return &j;
  return nullptr;
}

void BundleJobs::wait() {
  std::lock_guard tlock(thread_mu_);
  if (thread_.joinable()) thread_.join();
}

}  // namespace cv::server
