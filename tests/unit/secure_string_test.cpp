// SecureString and SecureJson keep short secrets out of inline (small-string) buffers, and every block
// that held one is zeroed before it is freed. The values are 8 bytes on purpose: short enough for
// std::string's inline buffer, which the wiping allocator never sees.
#include "coldvault/secure_string.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include "coldvault/secure_json.hpp"

namespace cv {
namespace {

constexpr std::string_view kValue = "8bytes!!";
static_assert(kValue.size() == 8 && kValue.size() <= SecureString::kInlineCapacity);

TEST(SecureString, InlineCapacityIsTheLibrarysSmallStringBuffer) {
  // kInlineCapacity is a literal (clang cannot fold it); the library's own empty string says what it is.
  EXPECT_EQ(SecureString::Base().capacity(), SecureString::kInlineCapacity);
}

struct FreedBlock {
  const void* p;
  std::size_t n;
  bool zero;
};

std::vector<FreedBlock>* g_freed = nullptr;

void record(const void* p, std::size_t n) noexcept {
  auto* b = static_cast<const unsigned char*>(p);
  if (g_freed->size() < g_freed->capacity())
    g_freed->push_back({p, n, std::all_of(b, b + n, [](unsigned char c) { return c == 0; })});
}

// Records every block WipingAllocator frees while it is alive.
class FreedBlocks {
 public:
  FreedBlocks() {
    blocks_.reserve(100000);  // the observer must not allocate
    g_freed = &blocks_;
    set_wipe_observer(&record);
  }
  ~FreedBlocks() {
    set_wipe_observer(nullptr);
    g_freed = nullptr;
  }
  // The freed block that started at p, if any.
  const FreedBlock* find(const void* p) const {
    for (const auto& b : blocks_)
      if (b.p == p) return &b;
    return nullptr;
  }
  const std::vector<FreedBlock>& all() const { return blocks_; }

 private:
  std::vector<FreedBlock> blocks_;
};

template <class T>
bool inside(const T& object, const void* p) {
  auto* lo = reinterpret_cast<const char*>(&object);
  auto* c = static_cast<const char*>(p);
  return c >= lo && c < lo + sizeof(T);
}

// True when the object's own bytes contain the value (an inline copy).
template <class T>
bool object_bytes_hold(const T& object, std::string_view value) {
  std::string_view bytes(reinterpret_cast<const char*>(&object), sizeof(T));
  return bytes.find(value) != std::string_view::npos;
}

TEST(SecureString, ShortValueIsStoredOnTheHeapNotInsideTheObject) {
  SecureString s(kValue.data(), kValue.size());
  EXPECT_EQ(s.view(), kValue);
  EXPECT_FALSE(inside(s, s.data()));
  EXPECT_GT(s.capacity(), SecureString::kInlineCapacity);
  EXPECT_FALSE(object_bytes_hold(s, kValue));
}

TEST(SecureString, EveryWayOfMakingAShortValueKeepsItOffTheObject) {
  std::string plain(kValue);
  SecureString from_cstr("8bytes!!");
  SecureString from_iter(plain.begin(), plain.end());
  SecureString from_view{std::string_view(kValue)};
  SecureString copied(from_cstr);
  SecureString assigned;
  assigned = "8bytes!!";
  SecureString appended;
  for (char c : kValue) appended.push_back(c);
  SecureString copy_assigned;
  copy_assigned = from_cstr;
  SecureString grown;
  grown.append(kValue.data(), kValue.size());
  grown.shrink_to_fit();
  for (const SecureString* s :
       {&from_cstr, &from_iter, &from_view, &copied, &assigned, &appended, &copy_assigned, &grown}) {
    EXPECT_EQ(s->view(), kValue);
    EXPECT_FALSE(inside(*s, s->data()));
    EXPECT_FALSE(object_bytes_hold(*s, kValue));
  }
}

TEST(SecureString, DestroyingAShortValueZeroesItsWholeBlockBeforeTheFree) {
  FreedBlocks freed;
  const void* block = nullptr;
  std::size_t capacity = 0;
  {
    SecureString s(kValue.data(), kValue.size());
    block = s.data();
    capacity = s.capacity();
  }
  const FreedBlock* b = freed.find(block);
  ASSERT_NE(b, nullptr) << "the block holding the value was not freed through the wiping allocator";
  EXPECT_GE(b->n, capacity + 1);
  EXPECT_TRUE(b->zero);
}

TEST(SecureString, MoveHandsOverTheBlockAndLeavesNoCopyInTheSource) {
  FreedBlocks freed;
  SecureString a(kValue.data(), kValue.size());
  const char* block = a.data();
  SecureString b(std::move(a));
  EXPECT_EQ(b.data(), block);
  EXPECT_EQ(b.view(), kValue);
  EXPECT_NE(a.data(), block);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(std::string_view(a.data(), a.capacity()).find(kValue), std::string_view::npos);
  EXPECT_FALSE(object_bytes_hold(a, kValue));
  EXPECT_FALSE(object_bytes_hold(b, kValue));
  a.append("short");  // the moved-from string is reusable, still on the heap
  EXPECT_FALSE(inside(a, a.data()));
}

TEST(SecureString, MoveAssignmentWipesTheOverwrittenValue) {
  SecureString a("old-pin1");
  const char* old_block = a.data();
  SecureString b(kValue.data(), kValue.size());
  a = std::move(b);
  EXPECT_EQ(a.view(), kValue);
  // The old value's block now belongs to b, empty and zeroed.
  EXPECT_EQ(b.data(), old_block);  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(b.empty());
  std::string_view left(b.data(), b.capacity() + 1);
  EXPECT_TRUE(std::all_of(left.begin(), left.end(), [](char c) { return c == 0; }));
}

TEST(SecureJson, ParsedShortValueLivesOnTheHeapAndIsZeroedWhenTheTreeDies) {
  FreedBlocks freed;
  const void* block = nullptr;
  {
    auto j = SecureJson::parse(R"({"value":"8bytes!!"})");
    const auto& v = j["value"].get_ref<const SecureString&>();
    ASSERT_EQ(v.view(), kValue);
    EXPECT_FALSE(inside(v, v.data()));
    block = v.data();
  }
  const FreedBlock* b = freed.find(block);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->zero);
  for (const auto& f : freed.all()) EXPECT_TRUE(f.zero) << "a freed block kept bytes";
}

TEST(SecureJson, BuiltTreeWithAShortValueLeavesNoCopyAfterDump) {
  FreedBlocks freed;
  const void* block = nullptr;
  {
    SecureJson j = {{"value", SecureString(kValue.data(), kValue.size())}};
    block = j["value"].get_ref<const SecureString&>().data();
    SecureString text = j.dump();
    EXPECT_EQ(text.view(), R"({"value":"8bytes!!"})");
    EXPECT_FALSE(inside(text, text.data()));
  }
  ASSERT_NE(freed.find(block), nullptr);
  for (const auto& f : freed.all()) EXPECT_TRUE(f.zero);
}

}  // namespace
}  // namespace cv
