#pragma once
// Helpers shared by the libFuzzer targets of tests/fuzz (docs/dev/fuzzing.md): splitting an
// input into NUL-separated fields (so that seeds can be written by hand or by a script), and a
// scratch directory that is removed at exit.

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sibyl::fuzz {

// Splits `input` at NUL bytes into at most `max_fields` fields; the last field keeps every byte
// after the previous separator (NULs included). Missing fields are empty.
inline std::vector<std::string_view> SplitFields(std::string_view input, size_t max_fields) {
  std::vector<std::string_view> fields;
  while (fields.size() + 1 < max_fields) {
    size_t nul = input.find('\0');
    if (nul == std::string_view::npos) break;
    fields.push_back(input.substr(0, nul));
    input.remove_prefix(nul + 1);
  }
  fields.push_back(input);
  fields.resize(max_fields);
  return fields;
}

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A fresh directory $TMPDIR/sibyl-fuzz-<name>-<pid>, removed when the process exits normally
// (scripts/fuzz.sh points TMPDIR at its work directory, which it cleans, for the crashes).
inline std::filesystem::path ScratchDir(const std::string& name) {
  static std::vector<std::filesystem::path> dirs;
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("sibyl-fuzz-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(dirs.size()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  if (dirs.empty()) {
    std::atexit([] {
      std::error_code ignored;
      for (const auto& d : dirs) std::filesystem::remove_all(d, ignored);
    });
  }
  dirs.push_back(dir);
  return dir;
}

}  // namespace sibyl::fuzz
