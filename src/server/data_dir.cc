#include "server/data_dir.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>
#include <system_error>

namespace sibyl::server {
namespace {

namespace fs = std::filesystem;

std::string Octal(fs::perms p) { return fmt::format("{:04o}", static_cast<unsigned>(p)); }

}  // namespace

Result<std::vector<std::string>> PrepareDataDir(const std::string& data_dir) {
  // Before anything is created: RocksDB makes its files 0644 and directories 0755 less the umask.
  ::umask(0077);
  std::vector<std::string> warnings;
  std::error_code ec;
  const fs::path dir(data_dir);
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);  // 0700 under the umask, parents too
    if (ec) {
      return Status(ErrorCode::kIOError,
                    fmt::format("cannot create the data directory {}: {}", data_dir, ec.message()));
    }
    return warnings;
  }
  if (!fs::is_directory(dir, ec)) {
    return Status(ErrorCode::kIOError,
                  fmt::format("the data directory {} is not a directory", data_dir));
  }
  const fs::perms open_to_others = fs::perms::group_all | fs::perms::others_all;
  const fs::perms mode = fs::status(dir, ec).permissions();
  if (!ec && (mode & open_to_others) != fs::perms::none) {
    warnings.push_back(fmt::format(
        "The data directory {} is open to other users (mode {}); Sibyl keeps its own files in it "
        "private, but consider chmod 700 {}",
        data_dir, Octal(mode), data_dir));
  }
  for (const char* name : kOwnedSubdirectories) {
    const fs::path sub = dir / name;
    const fs::file_status status = fs::symlink_status(sub, ec);
    if (ec || !fs::is_directory(status)) continue;
    const fs::perms sub_mode = status.permissions();
    if ((sub_mode & open_to_others) == fs::perms::none) continue;
    fs::permissions(sub, fs::perms::owner_all, fs::perm_options::replace, ec);
    warnings.push_back(
        ec ? fmt::format("{} is open to other users (mode {}) and could not be made private: {}",
                         sub.string(), Octal(sub_mode), ec.message())
           : fmt::format("{} was open to other users (mode {}); it is now 0700", sub.string(),
                         Octal(sub_mode)));
  }
  return warnings;
}

}  // namespace sibyl::server
