// az's output formats (knack's output.py): json, jsonc, yaml, tsv, table, none. docs/az-compat.md
// lists the rules; this is the one implementation, used by print() (common.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace cv::cli {

// The text az prints for `result` in `format` ("json", "jsonc", "yaml", "tsv", "table", "none").
// A null result prints nothing in every format, as az does. Object keys come out sorted (nlohmann's
// objects are ordered maps; knack sorts too). Pure.
std::string az_format(const nlohmann::json& result, const std::string& format);
// The same for a `--query` result, whose objects keep their member order: `tsv` and `table` print a
// multi-select hash's keys in the expression's order (knack's OrderedDict); `json` and `yaml` sort them,
// as knack does.
std::string az_format(const nlohmann::ordered_json& result, const std::string& format);

}  // namespace cv::cli
