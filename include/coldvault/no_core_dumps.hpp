// The coldvault process holds PINs, session tokens and secret values in its memory (wiped after use, but
// present while in use): a core dump would write them to disk in clear. The CLI (and `serve` within it)
// turns core dumps off before it reads anything. COLDVAULT_ALLOW_CORE_DUMPS=1 leaves them on, for a
// developer chasing a crash on a throwaway home (docs/threat-model.md, "Memory").
#pragma once

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cstdlib>
#include <string_view>

namespace cv {

inline void forbid_core_dumps() {
  const char* allow = std::getenv("COLDVAULT_ALLOW_CORE_DUMPS");
  if (allow != nullptr && std::string_view(allow) == "1") return;
  // Not dumpable: no core, whatever the kernel's core_pattern (a file or a pipe to a collector), and no
  // ptrace attach or /proc/<pid>/mem reading by other processes of the same non-root user.
  (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  // And a zero limit, which core collectors (systemd-coredump, apport) honour as well.
  rlimit none{0, 0};
  (void)setrlimit(RLIMIT_CORE, &none);
}

}  // namespace cv
