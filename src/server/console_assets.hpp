// The web console's files (src/console), compiled into the binary by cmake/embed_console.cmake so that
// `coldvault serve` needs nothing beside itself to serve them (docs/adr/0020-web-console.md).
#pragma once

#include <span>
#include <string_view>

namespace cv::server {

struct ConsoleAsset {
  std::string_view name;   // the file's base name: "index.html", "app.mjs"
  std::string_view bytes;  // its content, exactly as in src/console
};

// Every file of the console; static storage, never changes while the process runs.
std::span<const ConsoleAsset> console_assets();

}  // namespace cv::server
