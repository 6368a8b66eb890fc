// The wait for a domain key made after start (domain_gate.hpp).
#include "vault/domain_gate.hpp"

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>

namespace cv::vault::domain_gate {
namespace {

struct Gate {
  std::mutex mu;
  std::condition_variable changed;
  // kid -> nullopt while being made, then the outcome (kept: a late caller gets the same answer).
  std::map<std::string, std::optional<Result<void>>> keys;
};

Gate& gate() {
  static Gate g;
  return g;
}

}  // namespace

void expect(const std::string& kid) {
  std::lock_guard lock(gate().mu);
  gate().keys[kid] = std::nullopt;
}

void settle(const std::string& kid, const Result<void>& made) {
  {
    std::lock_guard lock(gate().mu);
    gate().keys[kid] = made;
  }
  gate().changed.notify_all();
}

Result<void> await(const std::string& kid) {
  std::unique_lock lock(gate().mu);
  auto it = gate().keys.find(kid);
  if (it == gate().keys.end()) return {};
  gate().changed.wait(lock, [&] { return it->second.has_value(); });
  return *it->second;
}

}  // namespace cv::vault::domain_gate
