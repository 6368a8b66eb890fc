// write_file_atomic (src/core/atomic_file.cpp): the one file writer, on real files in a temp folder.
#include "coldvault/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace cv;

namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  fs::path dir;
  mode_t old_umask = 0;

  void SetUp() override {
    char tmpl[] = "/tmp/cv-atomic-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
    old_umask = ::umask(022);  // the usual one; modes below are checked against it
  }
  void TearDown() override {
    ::umask(old_umask);
    fs::remove_all(dir);
  }

  std::string path(const std::string& name) const { return (dir / name).string(); }

  static std::string read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static void put(const std::string& p, const std::string& text) { std::ofstream(p) << text; }

  // Every entry of the folder (names starting with '.' included, where temp files live).
  std::set<std::string> entries() const {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
    return out;
  }

  static unsigned mode_of(const std::string& p) {
    struct stat st{};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
};

TEST_F(AtomicFileTest, WritesAndReadsBack) {
  const std::string p = path("blob");
  std::string data("line one\n\0binary\xff", 17);
  ASSERT_TRUE(write_file_atomic(p, as_bytes(data)));
  EXPECT_EQ(read(p), data);
}

TEST_F(AtomicFileTest, WritesAnEmptyFile) {
  const std::string p = path("empty");
  ASSERT_TRUE(write_file_atomic(p, {}));
  EXPECT_TRUE(fs::is_regular_file(p));
  EXPECT_EQ(fs::file_size(p), 0u);
}

TEST_F(AtomicFileTest, DefaultModeIsOwnerOnly) {
  const std::string p = path("bek");
  ASSERT_TRUE(write_file_atomic(p, as_bytes("key")));
  EXPECT_EQ(mode_of(p), 0600u);
}

TEST_F(AtomicFileTest, PublicModeIsKeptForCertificates) {
  const std::string p = path("cert.pem");
  ASSERT_TRUE(write_file_atomic(p, as_bytes("cert"), 0644));
  EXPECT_EQ(mode_of(p), 0644u);
}

TEST_F(AtomicFileTest, ReplacesAnExistingTargetWithANewFile) {
  const std::string p = path("config.json");
  put(p, "old contents");
  // A second name for the old inode: an in-place rewrite would change what it shows, a rename does not.
  fs::create_hard_link(p, path("old-inode"));
  ASSERT_TRUE(write_file_atomic(p, as_bytes("new")));
  EXPECT_EQ(read(p), "new");
  EXPECT_EQ(read(path("old-inode")), "old contents");
  EXPECT_EQ(mode_of(p), 0600u);  // the new file's mode, not the old file's 0644
}

TEST_F(AtomicFileTest, ReplacesASymlinkAtTheTargetInsteadOfWritingThroughIt) {
  const std::string victim = path("victim");
  put(victim, "untouched");
  const std::string p = path("out.blob");
  fs::create_symlink(victim, p);
  ASSERT_TRUE(write_file_atomic(p, as_bytes("blob")));
  EXPECT_FALSE(fs::is_symlink(p));
  EXPECT_EQ(read(p), "blob");
  EXPECT_EQ(read(victim), "untouched");
}

TEST_F(AtomicFileTest, DoesNotFollowLinksPlantedAtGuessableTempNames) {
  // The old writers used "<path>.tmp"; the names are random now, and links planted at the old or
  // any simple name are neither followed nor removed.
  const std::string victim = path("victim");
  put(victim, "untouched");
  const std::string p = path("user.pin");
  for (const char* name : {"user.pin.tmp", ".user.pin.tmp", ".user.pin.0000000000000000.tmp"})
    fs::create_symlink(victim, path(name));
  ASSERT_TRUE(write_file_atomic(p, as_bytes("1234\n")));
  EXPECT_EQ(read(p), "1234\n");
  EXPECT_EQ(read(victim), "untouched");
  EXPECT_EQ(entries(), (std::set<std::string>{"victim", "user.pin", "user.pin.tmp", ".user.pin.tmp",
                                               ".user.pin.0000000000000000.tmp"}));
}

TEST_F(AtomicFileTest, LeavesNoTempFileAfterSuccess) {
  ASSERT_TRUE(write_file_atomic(path("a"), as_bytes("1")));
  ASSERT_TRUE(write_file_atomic(path("a"), as_bytes("2")));
  ASSERT_TRUE(write_file_atomic(path("b"), as_bytes("3"), 0644, IfExists::Refuse));
  EXPECT_EQ(entries(), (std::set<std::string>{"a", "b"}));
}

TEST_F(AtomicFileTest, MissingFolderIsStorageFailureNamingPathAndCause) {
  const std::string p = path("no-such-folder/out.blob");
  auto r = write_file_atomic(p, as_bytes("x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::StorageFailure);
  EXPECT_NE(r.error().message.find(p), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("No such file or directory"), std::string::npos) << r.error().message;
  EXPECT_TRUE(entries().empty());
}

TEST_F(AtomicFileTest, FailedRenameRemovesTheTempFileAndKeepsTheTarget) {
  // A non-empty folder at the target: the temp file is written, then rename fails.
  fs::create_directory(path("target"));
  put(path("target/inside"), "kept");
  auto r = write_file_atomic(path("target"), as_bytes("x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::StorageFailure);
  EXPECT_NE(r.error().message.find(path("target")), std::string::npos) << r.error().message;
  EXPECT_EQ(entries(), (std::set<std::string>{"target"}));
  EXPECT_EQ(read(path("target/inside")), "kept");
}

TEST_F(AtomicFileTest, RefuseKeepsAnExistingFileAndSaysConflict) {
  const std::string p = path("key.pem");
  put(p, "first");
  auto r = write_file_atomic(p, as_bytes("second"), 0644, IfExists::Refuse);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Conflict);
  EXPECT_NE(r.error().message.find(p), std::string::npos);
  EXPECT_EQ(read(p), "first");
  EXPECT_EQ(entries(), (std::set<std::string>{"key.pem"}));
}

TEST_F(AtomicFileTest, RefuseTreatsADanglingSymlinkAsExisting) {
  const std::string p = path("cert.pem");
  fs::create_symlink(path("nowhere"), p);
  auto r = write_file_atomic(p, as_bytes("cert"), 0644, IfExists::Refuse);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Conflict);
  EXPECT_FALSE(fs::exists(path("nowhere")));
  EXPECT_EQ(entries(), (std::set<std::string>{"cert.pem"}));
}

TEST_F(AtomicFileTest, RefuseCreatesANewFileWithItsMode) {
  const std::string p = path("pub.der");
  ASSERT_TRUE(write_file_atomic(p, as_bytes("der"), 0644, IfExists::Refuse));
  EXPECT_EQ(read(p), "der");
  EXPECT_EQ(mode_of(p), 0644u);
}

TEST_F(AtomicFileTest, PathEndingInSlashIsBadParameter) {
  auto r = write_file_atomic(dir.string() + "/", as_bytes("x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_TRUE(entries().empty());
}

TEST_F(AtomicFileTest, RelativePathWritesInTheCurrentFolder) {
  const auto cwd = fs::current_path();
  fs::current_path(dir);
  auto r = write_file_atomic("relative.blob", as_bytes("rel"));
  fs::current_path(cwd);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(read(path("relative.blob")), "rel");
  EXPECT_EQ(entries(), (std::set<std::string>{"relative.blob"}));
}

}  // namespace

// What a writer killed before commit leaves is recognised by name, and nothing else is (init removes exactly
// these after a kill, src/vault/init.cpp).
TEST_F(AtomicFileTest, AnUncommittedWritersTempFileIsKnownByItsName) {
  auto f = AtomicFile::open((dir / "config.json").string());
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_TRUE(f->write(as_bytes(std::string("{}"))));
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  ASSERT_EQ(names.size(), 1u);
  EXPECT_TRUE(is_atomic_temp_of(names[0], "config.json")) << names[0];
  EXPECT_FALSE(is_atomic_temp_of(names[0], "config.jso"));
  EXPECT_FALSE(is_atomic_temp_of(names[0], "init.pending"));
  EXPECT_TRUE(is_atomic_temp_of(".a.0123456789abcdef.tmp", "a"));
  EXPECT_FALSE(is_atomic_temp_of(".a.0123456789ABCDEF.tmp", "a"));  // to_hex writes lower case
  EXPECT_FALSE(is_atomic_temp_of(".a.0123456789abcde.tmp", "a"));
  EXPECT_FALSE(is_atomic_temp_of(".a.0123456789abcdef.tmpx", "a"));
  EXPECT_FALSE(is_atomic_temp_of("a.0123456789abcdef.tmp", "a"));
  EXPECT_FALSE(is_atomic_temp_of(".a.notours.tmp", "a"));
  EXPECT_FALSE(is_atomic_temp_of("", "a"));
  const std::string long_base(250, 'n');  // names are cut to 200 bytes in the temp name
  EXPECT_TRUE(is_atomic_temp_of("." + long_base.substr(0, 200) + ".0123456789abcdef.tmp", long_base));
}
