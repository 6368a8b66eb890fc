// The server's long-running whole-vault jobs (POST /backup, PUT /restore, PUT /{type}s/{name}/restore),
// shaped like Managed HSM's: a request starts a job and answers 202 at once; the job runs on a thread of
// its own, never on a vault worker, so the server keeps answering while a bundle is written or read.
//
// Policy: one job at a time per server (a bundle job holds a whole-vault read snapshot or a whole-vault
// write transaction; two of them at once would only queue on SQLite and the token). Finished jobs stay
// queryable; the last kMaxKept are kept in memory, oldest dropped first. Nothing survives a restart.
//
// What a job does is the caller's `Work`; this class knows threads and bookkeeping only, so it is tested
// without an HSM (tests/unit/server_bundle_jobs_test.cpp).
//
// Thread safety: every member may be called from any thread. The destructor (and wait()) waits for a
// running job to finish: a bundle or a restore is never cut off half way by a shutdown.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "coldvault/error.hpp"
#include "server/http.hpp"

namespace cv::server {

enum class JobKind { Backup, Restore };
enum class JobStatus { InProgress, Succeeded, Failed };

struct JobState {
  std::string id;  // 32 lower-case hex
  JobKind kind = JobKind::Backup;
  std::string vault;                     // the vault the starting request addressed
  std::vector<Permission> permissions;   // what the starting request needed; reading the job needs them too
  JobStatus status = JobStatus::InProgress;
  std::int64_t start = 0;
  std::optional<std::int64_t> end;
  std::optional<Error> error;            // Failed only
  nlohmann::json extra = nlohmann::json::object();  // members the job object carries besides MHSM's
};

std::string_view job_status_name(JobStatus s);

class BundleJobs {
 public:
  static constexpr std::size_t kMaxKept = 100;
  // Runs on the job's thread; its members are merged into the job's `extra` on success.
  using Work = std::function<Result<nlohmann::json>()>;
  BundleJobs() = default;
  ~BundleJobs() { wait(); }
  BundleJobs(const BundleJobs&) = delete;
  BundleJobs& operator=(const BundleJobs&) = delete;

  // A fresh job id (32 lower-case hex), for the caller to name files after before start().
  static std::string new_id();
  // Starts `work` on a new thread and returns the InProgress job. Conflict naming the running job when
  // one is in progress; `extra` seeds the job's extra members (the file name, known before it runs).
  // REQUIRES: `id` from new_id(), not given to start() before.
  Result<JobState> start(std::string id, JobKind kind, std::string vault, std::vector<Permission> permissions,
                         nlohmann::json extra, Work work);
  // The job of that id and kind. NotFound when there is none (never started, forgotten, the other kind).
  Result<JobState> find(JobKind kind, const std::string& id) const;
  // Waits for the running job, if any, to finish. Later start()s still work.
  void wait();
  // Test hook (COLDVAULT_TEST_HOOKS builds: `coldvault --test-job-gate FILE serve ...`): every job waits,
  // before it does anything, until FILE exists, so a test can see a job InProgress without racing it.
  static void set_test_gate(std::string path);

 private:
  void run(std::string id, Work work);
  JobState* find_locked(const std::string& id);

  mutable std::mutex mu_;      // jobs_ and running_
  std::deque<JobState> jobs_;  // oldest first
  std::optional<std::string> running_;
  // Taken before mu_, never by a job's thread: start() and wait() swap and join the thread under it.
  std::mutex thread_mu_;
  std::thread thread_;  // the last job's thread; joined before the next starts and in wait()
};

}  // namespace cv::server
