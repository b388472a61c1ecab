#pragma once
// Helpers shared by the libFuzzer targets of tests/fuzz (docs/dev/fuzzing.md): splitting an
// input into NUL-separated fields (so that seeds can be written by hand or by a script), and a
// scratch directory that is removed at exit.

#include <errno.h>  // program_invocation_short_name
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sibyl::fuzz {

// A finding: prints "<target>: <what> (<first 300 bytes of detail>)" (scripts/fuzz.sh shows the
// lines that start with the target's name) and aborts, so that libFuzzer keeps the input.
[[noreturn]] inline void Fail(const char* what, std::string_view detail) {
  fprintf(stderr, "%s: %s (%.*s)\n", program_invocation_short_name, what,
          static_cast<int>(std::min<size_t>(detail.size(), 300)), detail.data());
  std::abort();
}

// For decoders of stored bytes: the only acceptable failure is kCorruption.
inline void ExpectCorruption(const Status& s) {
  if (s.code() != ErrorCode::kCorruption) Fail("unexpected error", s.ToString());
}

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
