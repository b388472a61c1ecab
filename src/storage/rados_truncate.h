#pragma once
// The last step of a RADOS TRUNCATE (docs/dev/rados-mapping.md "TRUNCATE and racing writes"):
// after every node has forgotten its index cache and finished the writes it had in flight
// (the acknowledgement of the TRUNCATE's publication, WriteGate::Drain), a partition object
// that the index does not list can only come from a write that raced the removal. Each is
// removed, guarded by its version so that a write landing meanwhile (which indexes first) keeps
// it. Afterwards every partition object of the table is listed by the index.

#include <rados/librados.hpp>
#include <string>

#include "common/status.h"

namespace sibyl::storage::rados {

// Lists the namespace of `io` (a pool-wide walk, as TRUNCATE's removal) and removes every
// partition object (`p.<token hex16>.<hash hex32>`; other names are left alone) without an
// index entry naming it. kIOError from RADOS.
Status RemoveUnindexedPartitions(librados::IoCtx& io, const std::string& table_id);

}  // namespace sibyl::storage::rados
