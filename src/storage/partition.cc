#include "storage/partition.h"

namespace sibyl::storage {

bool ClusteringRange::Contains(const std::string& clustering) const {
  if (!start.unbounded()) {
    int c = clustering.compare(0, start.prefix.size(), start.prefix);
    if (c < 0 || (c == 0 && !start.inclusive)) return false;
  }
  if (!end.unbounded()) {
    int c = clustering.compare(0, end.prefix.size(), end.prefix);
    if (c > 0 || (c == 0 && !end.inclusive)) return false;
  }
  return true;
}

}  // namespace sibyl::storage
