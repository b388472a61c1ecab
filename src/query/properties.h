#pragma once
// Reading `WITH name = value AND ...` properties of DDL statements: constants, maps of
// constants (replication, compaction...), nested maps (Keyspaces' custom_properties).

#include <map>
#include <string>

#include "common/status.h"
#include "cql/parser/ast.h"

#include "query/namespaces.h"

namespace sibyl::query {

// A constant property as text ('abc' -> abc, 42 -> 42, true -> true). kSyntaxError otherwise.
Result<std::string> PropertyText(const parser::Property& property);
// A map of constants. kSyntaxError if the value is not a map.
Result<std::map<std::string, std::string>> PropertyMap(const parser::Property& property);
Result<std::map<std::string, std::string>> TermToTextMap(const parser::TermPtr& term,
                                                         const std::string& what);
// Any constant/map term as JSON text (strings quoted, numbers and booleans bare).
Result<std::string> PropertyJson(const parser::Property& property);
Result<bool> PropertyBool(const parser::Property& property);
Result<int32_t> PropertyInt(const parser::Property& property);
Result<double> PropertyDouble(const parser::Property& property);

}  // namespace sibyl::query
