#include "server/node_identity.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cql/types/value.h"

namespace sibyl::server {

Result<std::string> LoadOrCreateHostId(const std::string& data_dir) {
  const auto path = std::filesystem::path(data_dir) / "host_id";
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    if (std::filesystem::file_size(path, ec) > 64 || ec) {
      return Status(ErrorCode::kCorruption, path.string() + " does not hold a host id (a UUID)");
    }
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string id = text.str();
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    if (!in || !cql::types::UuidFromString(id).ok()) {
      return Status(ErrorCode::kCorruption, path.string() + " does not hold a host id (a UUID)");
    }
    return id;
  }
  const std::string id = cql::types::UuidToString(cql::types::RandomUuid());
  const auto temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << id << "\n";
    if (!out.flush()) return Status(ErrorCode::kIOError, "cannot write " + temporary);
  }
  std::filesystem::rename(temporary, path, ec);
  if (ec) return Status(ErrorCode::kIOError, "cannot write " + path.string() + ": " + ec.message());
  return id;
}

}  // namespace sibyl::server
