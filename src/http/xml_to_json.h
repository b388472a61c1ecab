#pragma once
// An AWS Query-protocol result element as the JSON the aws CLI prints for it: lists of <member>
// become arrays (also when empty), dates get the +00:00 form, IsTruncated becomes a boolean,
// URL-encoded policy documents become JSON objects. Used by `sibyl iam` and the console API.

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

namespace sibyl::http {

nlohmann::json QueryResultToJson(const pugi::xml_node& node);

}  // namespace sibyl::http
