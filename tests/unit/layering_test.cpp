// Front doors are thin (STYLE.md habit 12, docs/adr/0006-thin-front-doors.md): src/cli and
// src/server include nothing from src/store or src/crypto nor the public headers that are their
// faces, name no store::/crypto:: symbol and never open the catalogue. They call the domain
// (src/vault, src/backup). The transport's TLS stream (coldvault/tls_stream.hpp, namespace cv::tls) is
// implemented in src/crypto because it needs OpenSSL, but it moves bytes for the event loop and does
// no domain work, so src/server may use it (docs/adr/0008-event-loop-transport.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#ifndef CV_SOURCE_DIR
#error "CV_SOURCE_DIR must name the source tree"
#endif

namespace {

const std::vector<std::string> kForbidden = {"\"store/",
                                             "\"crypto/",
                                             "\"pkcs11/",
                                             "coldvault/catalog.hpp",
                                             "coldvault/api_tokens.hpp",
                                             "coldvault/lineage.hpp",
                                             "coldvault/signer_rows.hpp",
                                             "coldvault/crypto.hpp",
                                             "coldvault/x509.hpp",
                                             "coldvault/tls_server.hpp",
                                             "<sqlite3.h>",
                                             "<openssl/",
                                             "pkcs11.h"};
const std::vector<std::string> kForbiddenUses = {"store::", "crypto::", "hsm::", "catalog()"};

// "file:line: what" for every offending line of `text`.
std::vector<std::string> offences(const std::string& file, const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    auto where = file + ":" + std::to_string(n) + ": ";
    if (line.rfind("#include", 0) == 0) {
      for (const auto& f : kForbidden)
        if (line.find(f) != std::string::npos) out.push_back(where + line);
      continue;
    }
    for (const auto& u : kForbiddenUses)
      if (line.find(u) != std::string::npos) out.push_back(where + "uses " + u);
  }
  return out;
}

}  // namespace

TEST(Layering, Scanner_ReportsForbiddenIncludesAndUses) {
  auto found = offences("x.cpp",
                        "#include \"coldvault/vault.hpp\"\n#include \"coldvault/catalog.hpp\"\n"
                        "auto c = svc.catalog().vaults();\nBytes h = crypto::sha256(t);\n");
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0], "x.cpp:2: #include \"coldvault/catalog.hpp\"");
  EXPECT_EQ(found[1], "x.cpp:3: uses catalog()");
  EXPECT_EQ(found[2], "x.cpp:4: uses crypto::");
}

TEST(Layering, CliAndServer_CallOnlyTheDomain) {
  std::vector<std::string> found;
  int files = 0;
  for (const char* dir : {"src/cli", "src/server"}) {
    for (const auto& e :
         std::filesystem::directory_iterator(std::string(CV_SOURCE_DIR) + "/" + dir)) {
      auto ext = e.path().extension();
      if (ext != ".cpp" && ext != ".hpp") continue;
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      ++files;
      auto f = offences(std::string(dir) + "/" + e.path().filename().string(), ss.str());
      found.insert(found.end(), f.begin(), f.end());
    }
  }
  EXPECT_GT(files, 30) << "the scan found too few files: is CV_SOURCE_DIR right?";
  std::string list;
  for (const auto& f : found) list += "\n  " + f;
  EXPECT_TRUE(found.empty()) << "front doors reach past the domain:" << list;
}
