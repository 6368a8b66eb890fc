// Test-only driver for the JMESPath oracle (tests/jmespath/oracle.py): reads a JSON file of cases
// [{"doc": ..., "expr": "..."}] and prints one JSON line per case, {"result": value} or
// {"error": "message"}, so a script can compare our evaluator with python-jmespath and jp.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/jmespath.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: jmespath_driver CASES.json\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  nlohmann::json cases = nlohmann::json::parse(in, nullptr, false);
  if (!in || cases.is_discarded() || !cases.is_array()) {
    std::cerr << "jmespath_driver: " << argv[1] << " is not a JSON array of cases\n";
    return 2;
  }
  for (const auto& c : cases) {
    auto r = cv::cli::jmespath_search(c.at("doc"), c.at("expr").get<std::string>());
    nlohmann::json line;
    if (r)
      line["result"] = *r;
    else
      line["error"] = r.error().message;
    std::cout << line.dump() << '\n';
  }
  return 0;
}
