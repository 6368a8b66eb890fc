// Error -> HTTP response. Every error has a JSON body in Key Vault's envelope and Content-Type
// application/json: the SDK deserialises every error body and fails with a TypeError on an empty
// one.
#pragma once

#include <string>

#include "coldvault/error.hpp"
#include "server/http.hpp"

namespace cv::server {

// The HTTP status for an error: docs/errors.md, except that every HSM fault is 503 here. A REST
// client retries 503 and the pool reopens the token in between, so an HSM that comes back heals the
// server.
int status_for(const Error& e);
// True for errors that mean the token (or its module) is gone or broken: the Service is discarded.
bool is_hsm_outage(const Error& e);
Response error_response(const Error& e);
Response error_response(int status, const std::string& code, const std::string& message,
                        const std::string& inner = {});

}  // namespace cv::server
