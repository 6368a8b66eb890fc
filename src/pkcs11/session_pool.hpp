// Read-write sessions on one slot, lent out one caller at a time.
//
// A PKCS#11 session may not run two operations at once, but a Token is shared by threads; so each
// call borrows a whole session (acquire), and the Lease puts it back in its destructor. The pool
// opens a new session whenever none is idle and never closes one before it is destroyed, for two
// reasons: login state lasts only while at least one session is open, and SoftHSM destroys session
// objects (our unwrapped working keys) when the session that created them closes.
//
// Thread safety: acquire() and Lease destruction are safe from any thread. REQUIRES: every Lease is
// gone before the pool is destroyed, and the pool is destroyed before its module is finalised.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "coldvault/error.hpp"
#include "pkcs11/p11.hpp"

namespace cv::hsm {

class SessionPool;

// A borrowed session. Move-only; returns the session to the pool when destroyed.
class Lease {
 public:
  Lease(Lease&& o) noexcept : pool_(o.pool_), handle_(o.handle_) { o.pool_ = nullptr; }
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();

  CK_SESSION_HANDLE get() const { return handle_; }
  operator CK_SESSION_HANDLE() const { return handle_; }

 private:
  friend class SessionPool;
  Lease(SessionPool* pool, CK_SESSION_HANDLE h) : pool_(pool), handle_(h) {}
  SessionPool* pool_;
  CK_SESSION_HANDLE handle_;
};

class SessionPool {
 public:
  // `first` (may be CK_INVALID_HANDLE) is an already open session the pool takes over, typically
  // the one the login happened on.
  SessionPool(CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID slot, CK_SESSION_HANDLE first);
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;
  ~SessionPool();

  // An idle session, or a newly opened one. Fails with the C_OpenSession error.
  Result<Lease> acquire();

  // How many sessions the pool has opened in total (for tests and diagnostics).
  std::size_t size() const;

 private:
  friend class Lease;
  void give_back(CK_SESSION_HANDLE h) noexcept;

  CK_FUNCTION_LIST_PTR fn_;
  CK_SLOT_ID slot_;
  mutable std::mutex mutex_;
  std::vector<CK_SESSION_HANDLE> idle_;
  std::vector<CK_SESSION_HANDLE> all_;
};

// Opens a read-write session on `slot`. Used by the pool and by init_token.
Result<CK_SESSION_HANDLE> open_rw_session(CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID slot);

// A session owned outright (not pooled): closed in the destructor. For init_token's SO session.
class Session {
 public:
  Session(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE h) : fn_(fn), handle_(h) {}
  Session(Session&& o) noexcept : fn_(o.fn_), handle_(o.handle_) { o.handle_ = CK_INVALID_HANDLE; }
  Session& operator=(Session&&) = delete;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  CK_SESSION_HANDLE get() const { return handle_; }
  // Gives up ownership (to a SessionPool) without closing.
  CK_SESSION_HANDLE release() {
    auto h = handle_;
    handle_ = CK_INVALID_HANDLE;
    return h;
  }

 private:
  CK_FUNCTION_LIST_PTR fn_;
  CK_SESSION_HANDLE handle_;
};

}  // namespace cv::hsm
