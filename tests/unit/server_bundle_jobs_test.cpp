// The bundle job runner of the REST server (src/server/bundle_jobs.hpp): one job at a time, finished jobs
// queryable, failures recorded with their Error. Jobs here are plain functions held on futures, so no test
// depends on timing: a job runs exactly until the test releases it.
#include <gtest/gtest.h>

#include <future>

#include "server/bundle_jobs.hpp"

using namespace cv;
using namespace cv::server;

namespace {

const std::vector<Permission> kBackup = {{"keys", "backup"}};

BundleJobs::Work quick(nlohmann::json out = nlohmann::json::object()) {
  return [out]() -> Result<nlohmann::json> { return out; };
}

}  // namespace

TEST(ServerBundleJobs, Start_SecondWhileOneRunsIsConflictNamingTheRunningJob) {
  BundleJobs jobs;
  std::promise<void> release;
  auto gate = release.get_future().share();
  auto first = jobs.start(BundleJobs::new_id(), JobKind::Backup, "v", kBackup, {{"file", "a.cvb"}},
                          [gate]() -> Result<nlohmann::json> {
                            gate.wait();
                            return nlohmann::json{{"bundleId", "b1"}};
                          });
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, JobStatus::InProgress);
  EXPECT_EQ(first->id.size(), 32u);
  auto second = jobs.start(BundleJobs::new_id(), JobKind::Restore, "v", kBackup, {}, quick());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::Conflict);
  EXPECT_NE(second.error().message.find(first->id), std::string::npos) << second.error().message;
  EXPECT_EQ(jobs.find(JobKind::Backup, first->id)->status, JobStatus::InProgress);

  release.set_value();
  jobs.wait();
  auto done = jobs.find(JobKind::Backup, first->id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, JobStatus::Succeeded);
  EXPECT_TRUE(done->end.has_value());
  EXPECT_EQ(done->extra["file"], "a.cvb");    // seeded at start
  EXPECT_EQ(done->extra["bundleId"], "b1");   // merged from the work's result
  EXPECT_TRUE(jobs.start(BundleJobs::new_id(), JobKind::Restore, "v", kBackup, {}, quick()));  // free again
}

TEST(ServerBundleJobs, FailedJob_KeepsItsErrorCodeAndMessage) {
  BundleJobs jobs;
  auto j = jobs.start(BundleJobs::new_id(), JobKind::Restore, "v", {}, {}, []() -> Result<nlohmann::json> {
    return fail(Errc::BadParameter, "chunk 3 does not match its digest");
  });
  ASSERT_TRUE(j);
  jobs.wait();
  auto done = jobs.find(JobKind::Restore, j->id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, JobStatus::Failed);
  ASSERT_TRUE(done->error.has_value());
  EXPECT_EQ(done->error->code, Errc::BadParameter);
  EXPECT_EQ(done->error->message, "chunk 3 does not match its digest");
}

TEST(ServerBundleJobs, ExceptionInWork_IsAFailedJobNotACrash) {
  BundleJobs jobs;
  auto j = jobs.start(BundleJobs::new_id(), JobKind::Backup, "v", {}, {},
                      []() -> Result<nlohmann::json> { throw std::runtime_error("bug"); });
  ASSERT_TRUE(j);
  jobs.wait();
  auto done = jobs.find(JobKind::Backup, j->id);
  EXPECT_EQ(done->status, JobStatus::Failed);
  EXPECT_EQ(done->error->code, Errc::Internal);
}

TEST(ServerBundleJobs, Find_UnknownIdOrTheOtherKindIsNotFound) {
  BundleJobs jobs;
  auto j = jobs.start(BundleJobs::new_id(), JobKind::Backup, "v", {}, {}, quick());
  jobs.wait();
  EXPECT_EQ(jobs.find(JobKind::Backup, "0123").error().code, Errc::NotFound);
  EXPECT_EQ(jobs.find(JobKind::Restore, j->id).error().code, Errc::NotFound);
}

TEST(ServerBundleJobs, KeepsTheLastHundredJobs) {
  BundleJobs jobs;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < BundleJobs::kMaxKept + 1; ++i) {
    auto j = jobs.start(BundleJobs::new_id(), JobKind::Backup, "v", {}, {}, quick());
    ASSERT_TRUE(j);
    ids.push_back(j->id);
    jobs.wait();
  }
  EXPECT_FALSE(jobs.find(JobKind::Backup, ids.front()));
  for (std::size_t i = 1; i < ids.size(); ++i) EXPECT_TRUE(jobs.find(JobKind::Backup, ids[i])) << i;
}

TEST(ServerBundleJobs, Destructor_WaitsForTheRunningJob) {
  std::promise<void> release;
  auto gate = release.get_future().share();
  bool finished = false;
  {
    BundleJobs jobs;
    ASSERT_TRUE(jobs.start(BundleJobs::new_id(), JobKind::Backup, "v", {}, {}, [&, gate]() -> Result<nlohmann::json> {
      gate.wait();
      finished = true;
      return nlohmann::json::object();
    }));
    release.set_value();
  }
  EXPECT_TRUE(finished);
}
