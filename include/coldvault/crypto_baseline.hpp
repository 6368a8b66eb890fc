// Raw OpenSSL loops for benchmarks, as coldvault/hsm_baseline.hpp is for PKCS#11: the floor a coldvault
// operation is compared with, measured in the same run on the same machine, without bench/ including
// OpenSSL. Not for production use.
#pragma once

namespace cv::crypto {

// ECDSA P-256 verification of one fixed SHA-256 digest and signature (made once, before timing, with a
// key generated for the purpose): `iterations` EVP_PKEY_verify calls split over `threads` threads, each
// with its own EVP_PKEY_CTX initialised once. Returns verifications per second of wall-clock time, or 0.0
// if any call fails or iterations <= 0. Thread safe.
double ecdsa_p256_verify_rate(int iterations, unsigned threads = 1);

}  // namespace cv::crypto
