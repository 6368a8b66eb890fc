// The auditor's HTML pages (coldvault/html_report.hpp): one escape for every value, no script, never an
// overwritten file.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "coldvault/html_report.hpp"
#include "temp_dir.hpp"

using namespace cv;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void put(const std::filesystem::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

}  // namespace

TEST(HtmlReport, Escape_ReplacesEveryMarkupCharacter) {
  EXPECT_EQ(report::html_escape("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
  EXPECT_EQ(report::html_escape("a&amp;b"), "a&amp;amp;b");
}

TEST(HtmlReport, Escape_CopiesOtherTextUnchanged) {
  EXPECT_EQ(report::html_escape("vault-1 caf\xc3\xa9 / 42 = x"), "vault-1 caf\xc3\xa9 / 42 = x");
  EXPECT_EQ(report::html_escape(""), "");
}

TEST(HtmlReport, BlobsPage_EscapesEveryValueAndHasNoScript) {
  nlohmann::json bulk = {
      {"verdict", "invalid"}, {"blobs", 2}, {"valid", 1}, {"invalid", 1},
      {"results",
       {{{"file", "<script>alert(1)</script>.blob"},
         {"ok", true},
         {"report",
          {{"verdict", "valid"},
           {"manifest", {{"type", "secret"}, {"name", "db-password"}, {"versions", {"v1", "v2"}}, {"current", "v2"},
                         {"vault", "main"}, {"vaultUrl", "https://main.vault.localhost"}, {"created", 0}}},
           {"signature", {{"ok", true}}}, {"digest", {{"ok", true}}}, {"signerMatchesManifest", true},
           {"chain", {{"ok", true}, {"subject", "CN=\"x\" <evil>"}, {"sha256", "ab12"}}}}}},
        {{"file", "b.blob"}, {"ok", false},
         {"report", {{"verdict", "invalid"}, {"error", {{"code", "BadParameter"}, {"message", "bad <b>'</b>"}}}}}}}}};
  std::string h = report::blobs_html(bulk);
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_NE(h.find("&lt;script&gt;alert(1)&lt;/script&gt;.blob"), std::string::npos);
  EXPECT_NE(h.find("CN=&quot;x&quot; &lt;evil&gt;"), std::string::npos);
  EXPECT_NE(h.find("bad &lt;b&gt;&#39;&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(h.find("db-password"), std::string::npos);
  EXPECT_NE(h.find("1970-01-01T00:00:00Z"), std::string::npos);
  EXPECT_NE(h.find("2 blob(s): 1 valid, 1 invalid"), std::string::npos);
}

TEST(HtmlReport, AuditPage_ShowsCheckDetailAndEscapedRecords) {
  cvtest::TempDir d;
  put(d.path / "records.jsonl",
      "{\"name\":\"<img src=x onerror=alert(1)>\",\"operation\":\"SetSecret\",\"outcome\":\"success\",\"seq\":0}\n"
      "not json\n");
  put(d.path / "checkpoint-from.note", "coldvault.local/audit/ab\n0\nroot0=\n\n");
  put(d.path / "checkpoint-to.note", "coldvault.local/audit/ab\n2\nroot2=\n\n");
  nlohmann::json verdict = {{"verdict", "invalid"}, {"origin", "coldvault.local/audit/ab"}, {"from", 0}, {"to", 2},
                            {"check", "canonical"}, {"detail", "record 1 is not in canonical form <edited>"}};
  auto h = report::audit_html(d.path.string(), verdict);
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->find("<script"), std::string::npos);
  EXPECT_EQ(h->find("<img"), std::string::npos);
  EXPECT_NE(h->find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(h->find("canonical"), std::string::npos);
  EXPECT_NE(h->find("record 1 is not in canonical form &lt;edited&gt;"), std::string::npos);
  EXPECT_NE(h->find("line 2 is not a JSON object"), std::string::npos);
  EXPECT_NE(h->find("root2="), std::string::npos);
  EXPECT_NE(h->find("class=\"invalid\""), std::string::npos);
}

TEST(HtmlReport, WriteHtml_RefusesToOverwriteAnExistingFile) {
  cvtest::TempDir d;
  const std::string p = (d.path / "r.html").string();
  ASSERT_TRUE(report::check_new_file(p));
  ASSERT_TRUE(report::write_html(p, "<p>first</p>"));
  auto again = report::write_html(p, "<p>second</p>");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::Conflict);
  EXPECT_EQ(report::check_new_file(p).error().code, Errc::Conflict);
  EXPECT_EQ(slurp(p), "<p>first</p>");
}
