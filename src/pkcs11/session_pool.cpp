// Session pool and the owned-session RAII type. See session_pool.hpp.
#include "pkcs11/session_pool.hpp"

#include "pkcs11/rv.hpp"

namespace cv::hsm {

Result<CK_SESSION_HANDLE> open_rw_session(CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID slot) {
  CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
  CK_RV rv = fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h);
  if (rv != CKR_OK) return rv_fail(rv, "C_OpenSession");
  return h;
}

Session::~Session() {
  if (handle_ != CK_INVALID_HANDLE) (void)fn_->C_CloseSession(handle_);
}

Lease::~Lease() {
  if (pool_ != nullptr) pool_->give_back(handle_);
}

SessionPool::SessionPool(CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID slot, CK_SESSION_HANDLE first)
    : fn_(fn), slot_(slot) {
  if (first != CK_INVALID_HANDLE) {
    idle_.push_back(first);
    all_.push_back(first);
  }
}

SessionPool::~SessionPool() {
  std::lock_guard lock(mutex_);
  // Closing the last session logs the user out and drops our session objects, which is what a
  // Token's end means. Errors are ignored: nothing can be done about them in a destructor.
  for (auto h : all_) (void)fn_->C_CloseSession(h);
}

Result<Lease> SessionPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      CK_SESSION_HANDLE h = idle_.back();
      idle_.pop_back();
      return Lease(this, h);
    }
  }
  // Opened outside the lock: C_OpenSession can be slow on a real HSM and need not serialise others.
  auto h = open_rw_session(fn_, slot_);
  if (!h) return std::unexpected(std::move(h.error()));
  std::lock_guard lock(mutex_);
  all_.push_back(*h);
  // Reserve now so give_back, which runs in destructors, never allocates.
  idle_.reserve(all_.size());
  return Lease(this, *h);
}

std::size_t SessionPool::size() const {
  std::lock_guard lock(mutex_);
  return all_.size();
}

void SessionPool::give_back(CK_SESSION_HANDLE h) noexcept {
  std::lock_guard lock(mutex_);
  idle_.push_back(h);  // never reallocates: capacity >= all_.size(), reserved in acquire()
}

}  // namespace cv::hsm
