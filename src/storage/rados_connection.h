#pragma once
// One connection to a Ceph cluster (librados) for the RADOS engine and the cluster coordination
// of issue 15 (docs/dev/rados-mapping.md). Holds the librados::Rados handle and the pool; hands
// out IoCtx objects bound to a namespace. Thread-safe: librados handles and IoCtx copies may be
// used from any thread.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <rados/librados.hpp>

#include "common/status.h"

namespace sibyl::storage {

struct RadosOptions {
  // ceph.conf of the cluster (mon addresses, keyring path). Required.
  std::string ceph_conf;
  // The cephx user without "client." (e.g. "sibyl"). Default: admin.
  std::string user = "admin";
  // A keyring file; empty: the one ceph.conf names.
  std::string keyring;
  // The pool holding every Sibyl object; it must exist (created by the operator or
  // scripts/cluster.sh), replicated (omap needs a replicated pool).
  std::string pool = "sibyl";
  // Prefix of every namespace Sibyl uses in the pool, so that several deployments (or test
  // servers) can share one pool. Default: empty.
  std::string namespace_prefix;
  // Longest wait for the monitors at connect, and for one OSD operation (rados_osd_op_timeout):
  // past it an operation fails with -ETIMEDOUT instead of hanging.
  std::chrono::seconds connect_timeout{30};
  std::chrono::seconds op_timeout{30};
};

class RadosConnection {
 public:
  // Connects and opens the pool; kIOError with librados's reason if it cannot.
  static Result<std::shared_ptr<RadosConnection>> Connect(const RadosOptions& options);
  ~RadosConnection();

  RadosConnection(const RadosConnection&) = delete;
  RadosConnection& operator=(const RadosConnection&) = delete;

  librados::Rados& rados() { return rados_; }
  // A new IoCtx on the pool, bound to namespace options().namespace_prefix + `nspace`.
  librados::IoCtx IoCtx(const std::string& nspace) const;
  const RadosOptions& options() const { return options_; }
  // The cluster's fsid (a UUID string).
  std::string fsid();

 private:
  explicit RadosConnection(RadosOptions options) : options_(std::move(options)) {}

  RadosOptions options_;
  librados::Rados rados_;
  librados::IoCtx pool_;
};

// A librados return code (negative errno) as a Status: -ENOENT is kNotFound, -ETIMEDOUT kIOError
// with "timed out", anything else kIOError with strerror; `context` says what was being done.
Status FromRados(int rc, std::string_view context);

}  // namespace sibyl::storage
