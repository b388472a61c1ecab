#include "http/xml_to_json.h"

#include <cctype>
#include <set>

namespace sibyl::http {
namespace {

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

}  // namespace

nlohmann::json QueryResultToJson(const pugi::xml_node& node) {
  bool has_children = false;
  bool all_members = true;
  for (auto child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    has_children = true;
    if (std::string(child.name()) != "member") all_members = false;
  }
  std::string name = node.name();
  if (!has_children) {
    std::string text = node.text().get();
    if (name == "IsTruncated") return text == "true";
    if (name == "PolicyDocument" || name == "Document") {
      // IAM sends documents URL-encoded; the aws CLI prints them as JSON.
      auto doc = nlohmann::json::parse(PercentDecode(text), nullptr, false);
      if (!doc.is_discarded()) return doc;
    }
    if (name.size() > 4 && name.substr(name.size() - 4) == "Date" && !text.empty() &&
        text.back() == 'Z') {
      return text.substr(0, text.size() - 1) + "+00:00";
    }
    // Lists that came back empty are elements without children; keep them as arrays.
    static const std::set<std::string> kLists = {
        "Users", "AccessKeyMetadata", "ServiceSpecificCredentials", "PolicyNames",
        "AttachedPolicies", "Policies", "Groups", "Versions", "EvaluationResults", "Tags",
        "PolicyGroups", "PolicyUsers", "PolicyRoles", "MatchedStatements",
        "MissingContextValues"};
    if (kLists.count(name)) return nlohmann::json::array();
    return text;
  }
  if (all_members) {
    auto arr = nlohmann::json::array();
    for (auto child : node.children("member")) arr.push_back(QueryResultToJson(child));
    return arr;
  }
  nlohmann::json obj = nlohmann::json::object();
  for (auto child : node.children()) {
    if (child.type() == pugi::node_element) obj[child.name()] = QueryResultToJson(child);
  }
  return obj;
}

}  // namespace sibyl::http
