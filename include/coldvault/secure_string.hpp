// SecureString: std::string's interface for PINs, passwords, secret values and key text, with every
// character kept in a heap block that is wiped when freed (docs/adr/0005-secure-string.md).
//
// Why not just basic_string<char, traits, WipingAllocator<char>>: libstdc++ keeps strings of up to 15
// chars in a buffer inside the string object (the small-string optimisation). The allocator never sees
// those bytes, so they were never wiped, and moving or copying such a string left more copies in
// other objects' inline buffers. An 8-byte secret value therefore escaped wiping completely.
//
// How this type closes that: a SecureString always owns a heap block larger than the inline buffer.
//  - Every constructor reserves that block before it writes a character.
//  - Growth in libstdc++ only ever reallocates heap to heap (the old block goes through the wiping
//    allocator); the only members that move a value back inline, shrink_to_fit() and the deprecated
//    reserve(), are hidden here (shrink_to_fit is a no-op, which the standard allows).
//  - Moving constructs a fresh empty block and swaps, so the moved-from string still owns a heap
//    block (empty); move assignment swaps blocks and then wipes the one the source is left with.
//  So the inline buffer never holds a character, and the destructor's free wipes the whole block
// (capacity + 1 bytes). As defence in depth the destructor also wipes the inline buffer if it ever was
// used (only possible by breaking the contract below).
//
// CONTRACT: do not mutate a SecureString through a reference to its base class (its members are not
// virtual, so that path can store a short value inline again). Reading through the base is fine, and
// so are all of std::string's members called on the SecureString itself.
// Thread safety: as std::string. Allocation: the default constructor and the move constructor allocate
// (they may throw bad_alloc; moves are therefore not noexcept).
#pragma once

#include <concepts>
#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "coldvault/wiping_allocator.hpp"

namespace cv {

class SecureString : public std::basic_string<char, std::char_traits<char>, WipingAllocator<char>> {
 public:
  using Base = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;
  // Characters an empty std::basic_string holds without allocating: libstdc++'s _S_local_capacity, 15 for
  // char. A literal because clang 16 cannot evaluate Base().capacity() as a constant with libstdc++ 12;
  // tests/unit/secure_string_test.cpp checks it against the library at run time.
  static constexpr size_type kInlineCapacity = 15;

  SecureString() { Base::reserve(kInlineCapacity + 1); }
  SecureString(const char* s) : SecureString(std::string_view(s)) {}  // NOLINT: like std::string
  SecureString(const char* s, size_type n) : SecureString() { assign_heap(s, n); }
  SecureString(size_type n, char c) : SecureString() {
    Base::reserve(n);
    Base::assign(n, c);
  }
  template <std::input_iterator It>
  SecureString(It first, It last) : SecureString() {
    if constexpr (std::forward_iterator<It>)
      Base::reserve(static_cast<size_type>(std::distance(first, last)));
    Base::assign(first, last);
  }
  // Like std::string: explicit from anything that converts to string_view (std::string, string_view).
  template <class T>
    requires std::is_convertible_v<const T&, std::string_view> &&
             (!std::is_convertible_v<const T&, const char*>) &&
             (!std::is_same_v<std::remove_cvref_t<T>, SecureString>)
  explicit SecureString(const T& t) : SecureString() {
    std::string_view v = t;
    assign_heap(v.data(), v.size());
  }
  SecureString(const SecureString& o) : SecureString() { assign_heap(o.data(), o.size()); }
  SecureString(SecureString&& o) : SecureString() { Base::swap(o); }
  ~SecureString() {
    if (capacity() <= kInlineCapacity) secure_wipe(data(), kInlineCapacity + 1);
  }

  SecureString& operator=(const SecureString& o) {
    if (this != &o) Base::assign(o.data(), o.size());
    return *this;
  }
  SecureString& operator=(SecureString&& o) noexcept {
    if (this != &o) {
      Base::swap(o);
      secure_wipe(o.data(), o.capacity() + 1);  // our old value, now the source's
      o.clear();
    }
    return *this;
  }
  // Everything else std::string can be assigned from (const char*, string_view, char, ...).
  template <class T>
    requires std::is_assignable_v<Base&, T&&> &&
             (!std::is_same_v<std::remove_cvref_t<T>, SecureString>)
  SecureString& operator=(T&& t) {
    Base::operator=(std::forward<T>(t));
    return *this;
  }

  // A request the standard lets us ignore; honouring it could move a short value inline.
  void shrink_to_fit() noexcept {}
  // Hides the deprecated reserve() that shrinks; reserve(n) never shrinks since C++20.
  void reserve(size_type n) { Base::reserve(n); }

  void swap(SecureString& o) noexcept { Base::swap(o); }
  friend void swap(SecureString& a, SecureString& b) noexcept { a.swap(b); }

  // The view std::string gives, spelled out because templates do not look through the base.
  std::string_view view() const noexcept { return {data(), size()}; }

 private:
  void assign_heap(const char* s, size_type n) {
    Base::reserve(n);
    Base::assign(s, n);
  }
};

}  // namespace cv
