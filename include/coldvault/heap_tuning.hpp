// How the coldvault processes (the CLI, and `serve` within it) and the benchmarks set glibc's heap, so the
// figures in docs/performance.md are those of the shipped binary.
#pragma once

#include <malloc.h>

#include <cstddef>

namespace cv {

// glibc gives memory back to the kernel eagerly: the top of the heap whenever more than 128 KiB is free there,
// and any block of 128 KiB or more straight from mmap/munmap. A vault bundle moves 1 MiB blocks of records
// between two threads and the token allocates a buffer per 64 KiB chunk, so each block and chunk became
// fresh pages: page faults, zeroing, and with two threads a TLB shootdown on every munmap, which together
// were a third of a backup's time (docs/performance.md, "Vault bundles"). Keeping up to 32 MiB of free heap
// and serving blocks below 16 MiB from it costs nothing the peak did not already use.
inline void tune_heap() {
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
  mallopt(M_MMAP_THRESHOLD, 16 << 20);
}

// What tune_heap keeps, a long-running process gives back now and then: `serve` calls this every 30 s. Each of
// its threads allocates from an arena of its own, and each arena may keep up to 32 MiB of free heap.
// malloc_trim(0) returns the free top of every arena and the free whole pages inside them (madvise), which a
// CLI command, whose process ends, never needs. It does not stop the growth of the heap in use (SoftHSM's
// retained session objects, docs/reliability.md "Memory under the soak").
inline void release_free_heap() { malloc_trim(0); }

// The heap as glibc counts it over every arena (mallinfo2): bytes handed out and not freed (blocks from the
// arenas plus blocks mapped on their own), and free bytes the arenas still hold. RSS minus `in_use` is what
// the allocator keeps plus code, stacks and the libraries' own mappings. For `serve`'s heap log
// ($COLDVAULT_HEAP_LOG, docs/reliability.md "Memory under the soak").
struct HeapUse {
  std::size_t in_use = 0;
  std::size_t free_held = 0;
};
inline HeapUse heap_use() {
  const struct mallinfo2 m = mallinfo2();
  return {m.uordblks + m.hblkhd, m.fordblks};
}

}  // namespace cv
