#pragma once
// Includes query/processor.h, which names `protocol::` inside sibyl::query: the alias makes that
// resolve to sibyl::cql::protocol. Harmless once processor.h qualifies the names itself.
// TODO(server): include query/processor.h directly when it compiles on its own.

#include "cql/protocol/messages.h"

namespace sibyl::query {
namespace protocol = ::sibyl::cql::protocol;
}  // namespace sibyl::query

#include "query/processor.h"
