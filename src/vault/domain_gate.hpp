// A security-domain key that is still being made (`serve --ephemeral` makes it after it is ready,
// InitOptions::defer_domain_key): whatever needs the key waits here until it exists, or learns why it
// could not be made. Process-wide, because every Service of the server shares the one token.
#pragma once

#include <string>

#include "coldvault/error.hpp"

namespace cv::vault::domain_gate {

// The key of `kid` is being made: await() blocks from now until settle().
void expect(const std::string& kid);
// The key of `kid` exists (ok) or will not (the error every waiter gets).
void settle(const std::string& kid, const Result<void>& made);
// Returns at once unless the key of `kid` is expected; then waits for settle() and returns its result.
Result<void> await(const std::string& kid);

}  // namespace cv::vault::domain_gate
