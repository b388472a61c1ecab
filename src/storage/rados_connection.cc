#include "storage/rados_connection.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace sibyl::storage {

Status FromRados(int rc, std::string_view context) {
  if (rc >= 0) return Status::OK();
  std::string what(context);
  if (rc == -ENOENT) return Status(ErrorCode::kNotFound, what + ": not found");
  if (rc == -ETIMEDOUT) return Status(ErrorCode::kIOError, what + ": the Ceph cluster timed out");
  return Status(ErrorCode::kIOError, what + ": " + std::strerror(-rc));
}

Result<std::shared_ptr<RadosConnection>> RadosConnection::Connect(const RadosOptions& options) {
  if (options.ceph_conf.empty()) {
    return Status(ErrorCode::kInvalidArgument, "--ceph-conf is required with --storage rados");
  }
  std::shared_ptr<RadosConnection> c(new RadosConnection(options));
  RETURN_IF_ERROR(FromRados(c->rados_.init(options.user.c_str()), "librados init"));
  RETURN_IF_ERROR(FromRados(c->rados_.conf_read_file(options.ceph_conf.c_str()),
                            "reading " + options.ceph_conf));
  if (!options.keyring.empty()) {
    RETURN_IF_ERROR(FromRados(c->rados_.conf_set("keyring", options.keyring.c_str()), "keyring"));
  }
  // Two librados clients in one process (tests) would clash on the admin socket path.
  c->rados_.conf_set("admin_socket", "");
  c->rados_.conf_set("log_to_stderr", "false");
  c->rados_.conf_set("err_to_stderr", "false");
  const std::string connect = std::to_string(options.connect_timeout.count());
  const std::string op = std::to_string(options.op_timeout.count());
  c->rados_.conf_set("client_mount_timeout", connect.c_str());
  c->rados_.conf_set("rados_mon_op_timeout", connect.c_str());
  c->rados_.conf_set("rados_osd_op_timeout", op.c_str());
  RETURN_IF_ERROR(FromRados(c->rados_.connect(), "connecting to the Ceph cluster of " + options.ceph_conf));
  RETURN_IF_ERROR(FromRados(c->rados_.ioctx_create(options.pool.c_str(), c->pool_),
                            "opening pool " + options.pool));
  return c;
}

RadosConnection::~RadosConnection() {
  pool_.close();
  rados_.shutdown();
}

librados::IoCtx RadosConnection::IoCtx(const std::string& nspace) const {
  librados::IoCtx io;
  io.dup(pool_);
  io.set_namespace(options_.namespace_prefix + nspace);
  return io;
}

std::string RadosConnection::fsid() {
  std::string id;
  rados_.cluster_fsid(&id);
  return id;
}

}  // namespace sibyl::storage
