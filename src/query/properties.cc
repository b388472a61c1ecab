#include "query/properties.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/utf8.h"

namespace sibyl::query {
namespace {

Result<std::string> ConstantText(const parser::TermPtr& term, const std::string& what) {
  if (const auto* lit = std::get_if<parser::Literal>(&term->value)) return lit->text;
  return SyntaxError(fmt::format("Invalid value for property '{}': expected a constant", what));
}

Result<nlohmann::json> TermJson(const parser::TermPtr& term, const std::string& what) {
  if (const auto* lit = std::get_if<parser::Literal>(&term->value)) {
    switch (lit->kind) {
      case types::LiteralKind::kInteger:
      case types::LiteralKind::kFloat: {
        auto j = nlohmann::json::parse(lit->text, nullptr, false);
        if (!j.is_discarded()) return j;
        return nlohmann::json(lit->text);
      }
      case types::LiteralKind::kBoolean: {
        std::string t = lit->text;
        std::transform(t.begin(), t.end(), t.begin(), ::tolower);
        return nlohmann::json(t == "true");
      }
      default:
        return nlohmann::json(lit->text);
    }
  }
  if (const auto* map = std::get_if<parser::MapLiteral>(&term->value)) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : map->entries) {
      ASSIGN_OR_RETURN(std::string key, ConstantText(k, what));
      ASSIGN_OR_RETURN(j[key], TermJson(v, what));
    }
    return j;
  }
  if (const auto* udt = std::get_if<parser::UdtLiteral>(&term->value)) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : udt->fields) {
      ASSIGN_OR_RETURN(j[k], TermJson(v, what));
    }
    return j;
  }
  return SyntaxError(fmt::format("Invalid value for property '{}'", what));
}

}  // namespace

Result<std::string> PropertyText(const parser::Property& property) {
  return ConstantText(property.value, property.name);
}

Result<std::map<std::string, std::string>> TermToTextMap(const parser::TermPtr& term,
                                                         const std::string& what) {
  std::map<std::string, std::string> out;
  if (const auto* map = std::get_if<parser::MapLiteral>(&term->value)) {
    for (const auto& [k, v] : map->entries) {
      ASSIGN_OR_RETURN(std::string key, ConstantText(k, what));
      ASSIGN_OR_RETURN(std::string value, ConstantText(v, what));
      // Cassandra's Parser.convertPropertyMap: a key given twice ('dc1': 1, 'dc1': 2) is a
      // syntax error, not a silent override (issue 10 item 17).
      if (!out.emplace(key, std::move(value)).second) {
        return SyntaxError("Multiple definition for property " + QuoteForMessage(key));
      }
    }
    return out;
  }
  if (const auto* udt = std::get_if<parser::UdtLiteral>(&term->value)) {
    for (const auto& [k, v] : udt->fields) {
      ASSIGN_OR_RETURN(std::string value, ConstantText(v, what));
      out[k] = value;
    }
    return out;
  }
  if (const auto* set = std::get_if<parser::SetLiteral>(&term->value)) {
    if (set->elements.empty()) return out;
  }
  return SyntaxError(fmt::format("Invalid value for property '{}': expected a map", what));
}

Result<std::map<std::string, std::string>> PropertyMap(const parser::Property& property) {
  return TermToTextMap(property.value, property.name);
}

Result<std::string> PropertyJson(const parser::Property& property) {
  ASSIGN_OR_RETURN(nlohmann::json j, TermJson(property.value, property.name));
  return j.dump();
}

Result<bool> PropertyBool(const parser::Property& property) {
  ASSIGN_OR_RETURN(std::string text, PropertyText(property));
  std::transform(text.begin(), text.end(), text.begin(), ::tolower);
  if (text == "true") return true;
  if (text == "false") return false;
  return ConfigError(fmt::format("Invalid boolean value {} for '{}'", text, property.name));
}

Result<int32_t> PropertyInt(const parser::Property& property) {
  ASSIGN_OR_RETURN(std::string text, PropertyText(property));
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < INT32_MIN || v > INT32_MAX) {
    return SyntaxError(fmt::format("Invalid integer value {} for '{}'", text, property.name));
  }
  return static_cast<int32_t>(v);
}

Result<double> PropertyDouble(const parser::Property& property) {
  ASSIGN_OR_RETURN(std::string text, PropertyText(property));
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') {
    return SyntaxError(fmt::format("Invalid double value {} for '{}'", text, property.name));
  }
  return v;
}

}  // namespace sibyl::query
