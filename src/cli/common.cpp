#include "cli/common.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <iostream>

#include "cli/az_output.hpp"
#include "cli/az_shape.hpp"
#include "cli/jmespath.hpp"
#include "coldvault/audit.hpp"
#include "coldvault/vault_lifecycle.hpp"
#include "coldvault/atomic_file.hpp"

namespace cv::cli {

namespace {
bool g_service_opened = false;  // one command per process: set once the verb reaches the vault
}  // namespace

void die(Errc code, std::string message) {
  throw CommandFailed{Error{code, std::move(message), {}, {}, {}}, true};
}

bool service_opened() { return g_service_opened; }

int failure_exit_code(const Globals& g, const Error& e, bool usage) {
  if (g.exit_codes == "detailed") return exit_code(e.code);
  // az (azure-cli core util.handle_exception): 3 for a missing resource, 2 for the command line
  // (argparse, validators, --query), 1 for everything else, service 400s included.
  if (e.code == Errc::NotFound) return 3;
  if (e.code == Errc::BadParameter && (usage || !g_service_opened)) return 2;
  return 1;
}

void warn(const Globals& g, const std::string& text) {
  if (!g.only_show_errors) std::cerr << "WARNING: " << text << "\n";
}

vault::Service open_service(const Globals& g) {
  g_service_opened = true;
  if (g.debug) std::cerr << "DEBUG: opening home " << (g.home.home.empty() ? "(default)" : g.home.home) << "\n";
  auto svc = need(vault::Service::open(g.home));
  // Retention ends even where no server runs: a command that opens the home first purges what is due.
  // A failure here must not stop the command the user asked for; it is reported and tried next time.
  // What it purges is recorded as the system's doing, not as the verb's.
  audit::Record rec;
  rec.time = vault::Service::now();
  rec.via = "system";
  rec.operation = "coldvault.purge-expired";
  rec.actor = "system";
  audit::Scope purging(std::move(rec), vault::catalog_path(svc.home()));
  auto purged = vault::purge_expired(svc);
  if (auto r = purged; !r)
    std::cerr << "coldvault: warning: soft-deleted objects past their purge date were not purged: "
              << r.error().message << "\n";
  // Every kCheckpointEvery records a signed checkpoint, wherever the log is written from.
  if (auto r = audit::checkpoint_if_due(svc); !r)
    std::cerr << "coldvault: warning: the audit log's checkpoint was not signed: " << r.error().message << "\n";
  return svc;
}

static std::string cell(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// Looks up "a.b" paths so tables can show nested attributes.
static const nlohmann::json* lookup(const nlohmann::json& j, const std::string& path) {
  const nlohmann::json* cur = &j;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(part)) return nullptr;
    cur = &(*cur)[part];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

// Today's -o table/tsv of fixed columns, kept for --output-shape rest without --query.
static void print_columns(const Globals& g, const nlohmann::json& j, const std::vector<std::string>& columns) {
  std::vector<nlohmann::json> rows = j.is_array() ? std::vector<nlohmann::json>(j.begin(), j.end())
                                                  : std::vector<nlohmann::json>{j};
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> width(columns.size());
  for (std::size_t c = 0; c < columns.size(); ++c) width[c] = columns[c].size();
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const auto* v = lookup(r, columns[c]);
      line.push_back(v ? cell(*v) : "");
      width[c] = std::max(width[c], line.back().size());
    }
    cells.push_back(std::move(line));
  }
  bool tsv = g.output == "tsv";
  auto emit = [&](const std::vector<std::string>& line) {
    for (std::size_t c = 0; c < line.size(); ++c) {
      std::cout << line[c];
      if (c + 1 < line.size()) std::cout << (tsv ? std::string("\t") : std::string(width[c] - line[c].size() + 2, ' '));
    }
    std::cout << "\n";
  };
  if (!tsv) {
    emit(columns);
    std::vector<std::string> rule;
    for (auto w : width) rule.push_back(std::string(w, '-'));
    emit(rule);
  }
  for (const auto& line : cells) emit(line);
}

void print(const Globals& g, const nlohmann::json& j, const std::vector<std::string>& columns) {
  // A read is recorded before its answer leaves; no record, no answer (docs/audit.md §2).
  auto record = [] {
    if (auto* scope = audit::Scope::current())
      if (auto r = scope->finish(0); !r) throw CommandFailed{r.error()};
  };
  bool rest = g.output_shape == "rest";
  if (rest && g.query.empty()) {
    record();
    if (g.output == "none") return;
    if ((g.output == "table" || g.output == "tsv") && !columns.empty()) return print_columns(g, j, columns);
    if (g.output == "table" || g.output == "tsv" || g.output == "yaml") {
      std::cout << az_format(j, g.output);
      return;
    }
    std::cout << j.dump(2) << "\n";
    return;
  }
  nlohmann::json result = rest ? j : az_shape(j);
  // coldvault's own answers (domain, audit, bundle, token ...) have no az shape: their tables keep the
  // columns the verb chose, as az's commands use their table transformers; az's all-scalars rule is for
  // the data-plane objects.
  if (g.query.empty() && (g.output == "table" || g.output == "tsv") && !columns.empty() && result == j) {
    record();
    return print_columns(g, j, columns);
  }
  const std::string format = g.output.empty() || g.output == "pem" ? "json" : g.output;
  if (!g.query.empty()) {
    // Ordered, so a multi-select hash prints in the expression's order under tsv and table, as az does.
    auto q = jmespath_search_ordered(nlohmann::ordered_json(result), g.query);
    if (!q) throw CommandFailed{q.error(), true};
    record();
    std::cout << az_format(*q, format);
    return;
  }
  record();
  std::cout << az_format(result, format);
}

Result<std::int64_t> parse_time(const std::string& text) {
  auto bad = [&] {
    return fail(Errc::BadParameter, "invalid date '" + text.substr(0, 40) +
                                        "': use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (or +HH:MM) or Unix seconds");
  };
  if (text.empty()) return bad();
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 12) return bad();
    return std::stoll(text);
  }
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%d", &tm);
  if (!end) return bad();
  std::int64_t offset = 0;
  if (*end == 'T' || *end == ' ') {
    end = strptime(end + 1, "%H:%M:%S", &tm);
    if (!end) return bad();
    if (*end == '.')  // fractional seconds are accepted and dropped
      for (++end; *end >= '0' && *end <= '9'; ++end) {
      }
    if (*end == 'Z') {
      ++end;
    } else if (*end == '+' || *end == '-') {
      int hh = 0, mm = 0;
      if (std::sscanf(end + 1, "%2d:%2d", &hh, &mm) != 2) return bad();
      offset = (hh * 3600 + mm * 60) * (*end == '+' ? 1 : -1);
      end += 6;
    }
  }
  if (*end != '\0') return bad();
  std::tm check = tm;
  std::int64_t t = timegm(&tm);
  if (check.tm_mday != tm.tm_mday || check.tm_mon != tm.tm_mon) return bad();  // 2027-02-31
  return t - offset;
}

Result<std::map<std::string, std::string>> parse_tags(const std::vector<std::string>& items) {
  std::map<std::string, std::string> tags;
  for (const auto& it : items) {
    auto eq = it.find('=');
    std::string k = it.substr(0, eq);
    if (k.empty()) return fail(Errc::BadParameter, "invalid tag '" + it + "': use key=value");
    tags[k] = eq == std::string::npos ? "" : it.substr(eq + 1);
  }
  return tags;
}

Result<bool> parse_bool(const std::string& text) {
  if (text == "true" || text == "True" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "False" || text == "0" || text == "no") return false;
  return fail(Errc::BadParameter, "expected true or false, not '" + text + "'");
}

Result<SecureBytes> read_file(const std::string& path) {
  int fd = path == "-" ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(Errc::BadParameter, "cannot read " + path);
  SecureBytes out;
  SecureBytes chunk(65536);
  for (;;) {
    ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0) {
      if (fd != 0) ::close(fd);
      return fail(Errc::BadParameter, "cannot read " + path);
    }
    if (n == 0) break;
    out.insert(out.end(), chunk.begin(), chunk.begin() + n);
    if (out.size() > (64u << 20)) {
      if (fd != 0) ::close(fd);
      return fail(Errc::BadParameter, path + " is larger than 64 MiB");
    }
  }
  if (fd != 0) ::close(fd);
  return out;
}

SecureString read_password(const std::string& file, const char* env_var) {
  SecureString pw;
  if (!file.empty()) {
    auto bytes = need(read_file(file));
    pw.assign(bytes.begin(), bytes.end());
    if (!pw.empty() && pw.back() == '\n') pw.pop_back();
    if (!pw.empty() && pw.back() == '\r') pw.pop_back();
  } else if (const char* env = std::getenv(env_var)) {
    pw.assign(env);
  }
  return pw;
}

void refuse_secret_on_argv(const CLI::Option* opt, std::string& value, const std::string& file_flag,
                           const std::string& env_var) {
  if (opt == nullptr || opt->count() == 0) return;
  secure_wipe(value.data(), value.size());
  die(Errc::BadParameter, opt->get_name() + " is refused: a password on the command line is visible to "
                          "every user of the machine. Put it in a file and pass " + file_flag +
                          " FILE, or set $" + env_var);
}

Result<void> write_file(const std::string& path, ByteView content) {
  if (path == "-") {
    std::cout.write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
    std::cout.flush();
    return {};
  }
  return write_file_atomic(path, content);
}

void write_new_file(const std::string& path, ByteView data) {
  need(write_file_atomic(path, data, 0644, IfExists::Refuse));
}

}  // namespace cv::cli
