#pragma once
// Short names for the namespaces query/ uses everywhere.

namespace sibyl::cql::types {}
namespace sibyl::cql::parser {}
namespace sibyl::cql::protocol {}

namespace sibyl::query {
namespace types = ::sibyl::cql::types;
namespace parser = ::sibyl::cql::parser;
namespace protocol = ::sibyl::cql::protocol;
}  // namespace sibyl::query
