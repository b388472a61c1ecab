#pragma once
// The data directory at rest (issue 9 item 9): what Sibyl writes there is for its own user
// only, as Cassandra's packages keep /var/lib/cassandra. Called by `sibyl serve` once, first,
// before anything is created and before any thread starts (it sets the process umask).

#include <string>
#include <vector>

#include "common/status.h"

namespace sibyl::server {

// The subdirectories of the data directory that Sibyl alone owns: the RocksDB database, the IAM
// master key and the self-signed TLS pair.
inline constexpr const char* kOwnedSubdirectories[] = {"db", "keys", "tls"};

// Sets the umask to 0077, so that every file and directory made from now on is 0600/0700 (the
// RocksDB database, its WAL, SST, blob, MANIFEST, OPTIONS and LOG files, the TLS key and
// certificate, the IAM master key); creates `data_dir` (0700, parents too) when missing; and
// tightens to 0700 any of kOwnedSubdirectories that exists with group or other access (data of
// an older Sibyl), which also closes the files inside them. A `data_dir` that already exists is
// never changed (it may be a mount point, or shared on purpose): group or other access to it is
// only reported. Returns the warnings to log (one line each), or kIOError when `data_dir` cannot
// be created or is not a directory.
Result<std::vector<std::string>> PrepareDataDir(const std::string& data_dir);

}  // namespace sibyl::server
