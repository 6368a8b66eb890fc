// The az-compatible CLI pieces that need no vault: az's shapes (az_shape), knack's formats (az_output),
// the `keyvault` group (az_argv) and --id URLs (parse_object_id). docs/az-compat.md.
#include <gtest/gtest.h>

#include "cli/az_argv.hpp"
#include "cli/az_output.hpp"
#include "cli/az_shape.hpp"
#include "cli/common.hpp"

namespace {

using nlohmann::json;
using cv::cli::az_format;
using cv::cli::az_shape;

TEST(AzOutput, TsvOfAScalarIsTheBareValue) { EXPECT_EQ(az_format(json("P@ss w0rd"), "tsv"), "P@ss w0rd\n"); }

TEST(AzOutput, TsvPrintsOneLinePerListElement) {
  EXPECT_EQ(az_format(json::array({"a", "b"}), "tsv"), "a\nb\n");
}

TEST(AzOutput, TsvRowIsDictValuesInKeyOrderWithKnacksNestedRules) {
  json row = {{"b", json::array({1, 2, 3})}, {"a", "x"}, {"c", json::object({{"k", 1}})}, {"d", nullptr},
              {"e", true}, {"f", 90}};
  EXPECT_EQ(az_format(row, "tsv"), "x\t3\t\tNone\tTrue\t90\n");
}

TEST(AzOutput, TsvTopLevelBooleanIsLowerCase) { EXPECT_EQ(az_format(json(false), "tsv"), "false\n"); }

TEST(AzOutput, NullResultPrintsNothingInEveryFormat) {
  for (const char* f : {"json", "tsv", "table", "yaml", "none"}) EXPECT_EQ(az_format(json(), f), "") << f;
}

TEST(AzOutput, JsonIsIndentedTwoWithSortedKeys) {
  EXPECT_EQ(az_format(json{{"b", 1}, {"a", "é"}}, "json"), "{\n  \"a\": \"é\",\n  \"b\": 1\n}\n");
}

TEST(AzOutput, TableShowsScalarFieldsWithoutIdAndCapitalisedHeaders) {
  json rows = json::array({{{"id", "i"}, {"name", "db"}, {"tags", json::object()}, {"days", 90}, {"x", nullptr}},
                           {{"id", "j"}, {"name", "longer-name"}, {"days", 7}}});
  EXPECT_EQ(az_format(rows, "table"),
            "Days  Name       \n"
            "----  -----------\n"
            "  90  db         \n"
            "   7  longer-name\n");
}

TEST(AzOutput, YamlQuotesStringsThatWouldReadBackAsOtherTypes) {
  json j = {{"a", "1"}, {"b", "yes"}, {"c", "plain"}, {"d", json::array({"x"})}, {"e", nullptr},
            {"t", "2030-01-01T00:00:00+00:00"}};
  EXPECT_EQ(az_format(j, "yaml"), "a: '1'\nb: 'yes'\nc: plain\nd:\n- x\ne: null\nt: '2030-01-01T00:00:00+00:00'\n");
}

TEST(AzShape, SecretBundleHasAzFieldsIsoTimesAndNullForUnset) {
  json rest = {{"id", "https://v.vault.localhost/secrets/s/abc"},
               {"value", "x"},
               {"name", "s"},
               {"attributes", {{"enabled", true}, {"created", 1893456000}, {"updated", 1893456000},
                               {"exp", 1893456000}, {"recoverableDays", 90}, {"recoveryLevel", "Recoverable"}}},
               {"tags", json::object()}};
  json az = az_shape(rest);
  EXPECT_EQ(az["attributes"]["expires"], "2030-01-01T00:00:00+00:00");
  EXPECT_TRUE(az["attributes"]["notBefore"].is_null());
  EXPECT_FALSE(az["attributes"].contains("exp"));
  EXPECT_TRUE(az["tags"].is_null());
  EXPECT_TRUE(az["contentType"].is_null());
  EXPECT_TRUE(az.contains("kid"));
  EXPECT_EQ(az["value"], "x");
}

TEST(AzShape, SecretListItemHasNoValueOrKid) {
  json az = az_shape(json::array({{{"id", "https://v.vault.localhost/secrets/s"}, {"name", "s"},
                                   {"attributes", json::object()}, {"tags", json::object()}}}));
  EXPECT_FALSE(az[0].contains("value"));
  EXPECT_FALSE(az[0].contains("kid"));
}

TEST(AzShape, KeyBytesAreStandardBase64AndOpsAreKeyOps) {
  // 0xfb 0xff in base64url is "-_8", in standard base64 "+/8=".
  json rest = {{"key", {{"kid", "https://v.vault.localhost/keys/k/1"}, {"kty", "RSA"}, {"n", "-_8"},
                        {"e", "AQAB"}, {"key_ops", json::array({"sign"})}}},
               {"attributes", {{"exportable", false}}},
               {"tags", json::object()}};
  json az = az_shape(rest);
  EXPECT_EQ(az["key"]["n"], "+/8=");
  EXPECT_EQ(az["key"]["keyOps"], json::array({"sign"}));
  EXPECT_TRUE(az["key"]["d"].is_null());
  EXPECT_EQ(az["name"], "k");  // restore answers carry no name: taken from the id
  EXPECT_EQ(az["attributes"]["exportable"], false);
}

TEST(AzShape, LeavesObjectsItDoesNotKnowUnchanged) {
  json vault = {{"name", "main"}, {"vaultUri", "https://main.vault.localhost"}, {"created", 5}};
  EXPECT_EQ(az_shape(vault), vault);
  json op = {{"kid", "https://v.vault.localhost/keys/k/1"}, {"value", "abc"}};
  EXPECT_EQ(az_shape(op), op);
}

std::vector<std::string> rewrite(std::vector<std::string> in) {
  std::vector<char*> argv;
  for (auto& s : in) argv.push_back(s.data());
  return cv::cli::without_keyvault_group(static_cast<int>(argv.size()), argv.data());
}

TEST(AzArgv, KeyvaultGroupMapsToTheTopLevelAndVaultVerbsToTheVaultGroup) {
  using V = std::vector<std::string>;
  EXPECT_EQ(rewrite({"cv", "keyvault", "secret", "show"}), (V{"cv", "secret", "show"}));
  EXPECT_EQ(rewrite({"cv", "--home", "keyvault", "keyvault", "list"}), (V{"cv", "--home", "keyvault", "vault", "list"}));
  EXPECT_EQ(rewrite({"cv", "-o", "tsv", "keyvault", "show", "-n", "v"}), (V{"cv", "-o", "tsv", "vault", "show", "-n", "v"}));
  EXPECT_EQ(rewrite({"cv", "secret", "set", "--value", "keyvault"}), (V{"cv", "secret", "set", "--value", "keyvault"}));
}

TEST(ObjectId, AcceptsAzureAndThisServersUrls) {
  auto a = cv::cli::parse_object_id("https://Prod.vault.azure.net/secrets/db/0123abcd");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->vault, "prod");
  EXPECT_EQ(a->collection, "secrets");
  EXPECT_EQ(a->name, "db");
  EXPECT_EQ(a->version, "0123abcd");
  auto b = cv::cli::parse_object_id("https://main.vault.localhost:8443/keys/k/");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->vault, "main");
  EXPECT_EQ(b->version, "");
  auto c = cv::cli::parse_object_id("https://main.localhost:8443");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->collection, "");
}

TEST(ObjectId, RefusesOtherHostsQueriesAndExtraSegments) {
  for (const char* url : {"https://evil.example.com/secrets/x", "ftp://v.vault.azure.net/secrets/x",
                          "https://v.vault.azure.net/secrets/x?api-version=7.4", "https://v.vault.azure.net/secrets",
                          "https://v.vault.azure.net/secrets/x/1/2", "https://a.b.vault.azure.net/secrets/x",
                          "https://v.vault.azure.net:x/secrets/x"}) {
    auto r = cv::cli::parse_object_id(url);
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, cv::Errc::BadParameter) << url;
  }
}

}  // namespace

// A --query result keeps its members' order: tsv and table print a multi-select hash as written (knack's
// OrderedDict); json and yaml sort the keys, as knack does.
TEST(AzOutput, OrderedResultKeepsMemberOrderInTsvAndTable_SortsInJsonAndYaml) {
  nlohmann::ordered_json row = {{"Name", "pw"}, {"Enabled", true}};
  EXPECT_EQ(az_format(row, "tsv"), "pw\tTrue\n");
  EXPECT_EQ(az_format(nlohmann::ordered_json::array({row}), "table"), "Name  Enabled\n----  -------\npw    True   \n");
  EXPECT_EQ(az_format(row, "json"), "{\n  \"Enabled\": true,\n  \"Name\": \"pw\"\n}\n");
  EXPECT_EQ(az_format(row, "yaml"), "Enabled: true\nName: pw\n");
}
