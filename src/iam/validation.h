#pragma once
// Input checks and errors shared by IamService's files, worded as AWS words them (botocore's
// IAM model constraints; shared/reference/keyspaces-iam.md §1.3, §2.1).

#include <string>
#include <vector>

#include "common/status.h"
#include "iam/iam_service.h"

namespace sibyl::iam {

inline constexpr const char* kIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// ValidationError 400: "1 validation error detected: <what>".
Status Validation(const std::string& what);
// NoSuchEntity 404: "The user with name <name> cannot be found."
Status NoSuchUser(const std::string& name);
// NoSuchEntity 404: "The group with name <name> cannot be found."
Status NoSuchGroup(const std::string& name);

// A user, group or policy name: 1..max_length characters of [\w+=,.@-].
Status CheckName(const std::string& name, const char* field, size_t max_length = 64);
// A path: "/" or "/.../", at most 512 characters.
Status CheckPath(const std::string& path, const char* field = "path");
// Active or Inactive.
Status CheckStatus(const std::string& status);
// A user tag: a key of 1..128 and a value of 0..256 characters of AWS's pattern
// [\p{L}\p{Z}\p{N}_.:/=+\-@] (for ASCII exactly that; any other character of valid UTF-8 but
// the C1 controls is taken for a letter, number or space). Invalid UTF-8 is refused, since the
// tags are stored as JSON (issue 9: fuzz_iam_form; it threw out of TagUser).
Status CheckTag(const std::string& key, const std::string& value);

std::string Lower(std::string s);

// One page of `all` (sorted by `key`), starting at `marker`.
template <typename T, typename Key>
Page<T> Paginate(const std::vector<T>& all, const std::string& marker, int max_items, Key key) {
  Page<T> page;
  if (max_items <= 0) max_items = 100;
  size_t start = 0;
  if (!marker.empty()) {
    while (start < all.size() && key(all[start]) < marker) ++start;
  }
  for (size_t i = start; i < all.size(); ++i) {
    if (static_cast<int>(page.items.size()) == max_items) {
      page.is_truncated = true;
      page.marker = key(all[i]);
      break;
    }
    page.items.push_back(all[i]);
  }
  return page;
}

}  // namespace sibyl::iam
