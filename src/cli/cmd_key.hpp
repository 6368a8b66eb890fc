// Pieces shared by `coldvault key` (cmd_key.cpp: life cycle) and its operations (cmd_key_ops.cpp).
#pragma once

#include "cli/common.hpp"

namespace cv::cli {

// encrypt, decrypt, wrap, unwrap, sign, verify under `key`.
void add_key_op_commands(CLI::App* key, Globals& g);
// rotation-policy show|set under `key` (cmd_key_rotation.cpp).
void add_key_rotation_commands(CLI::App* key, Globals& g);
// Decodes a base64url CLI argument (padding tolerated), BadParameter naming the option otherwise.
Bytes b64url_arg(const std::string& option, const std::string& text);

}  // namespace cv::cli
