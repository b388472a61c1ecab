#include "iam/policy.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "common/clock.h"

namespace sibyl::iam {
namespace {

using nlohmann::json;

// What ${*} and ${?} become inside a pattern: characters that match a literal * or ?.
constexpr char kLiteralStar = '\x02';
constexpr char kLiteralQuestion = '\x03';

Status Malformed(const std::string& message) {
  return AwsError("MalformedPolicyDocument", 400, message);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

// A value or a list of values, as strings (numbers and booleans written as JSON writes them).
Result<std::vector<std::string>> Strings(const json& j, const std::string& where) {
  std::vector<std::string> out;
  auto one = [&](const json& v) -> Status {
    if (v.is_string()) {
      out.push_back(v.get<std::string>());
    } else if (v.is_number() || v.is_boolean()) {
      out.push_back(v.dump());
    } else {
      return Malformed(fmt::format("{} must be a string or a list of strings", where));
    }
    return Status::OK();
  };
  if (j.is_array()) {
    for (const auto& v : j) RETURN_IF_ERROR(one(v));
  } else {
    RETURN_IF_ERROR(one(j));
  }
  return out;
}

const std::set<std::string>& BaseOperators() {
  static const std::set<std::string> kOps = {
      "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
      "StringLike", "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan",
      "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals",
      "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
      "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals",
      "ArnLike", "ArnNotEquals", "ArnNotLike", "Null"};
  return kOps;
}

bool Negated(const std::string& op) {
  return op.find("Not") != std::string::npos;
}

std::optional<double> Number(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') return std::nullopt;
  return v;
}

// ISO 8601 (2020-01-01T00:00:00Z, with optional fraction) or epoch seconds.
std::optional<double> Date(const std::string& s) {
  if (auto n = Number(s)) return n;
  std::tm tm{};
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) {
    rest = strptime(s.c_str(), "%Y-%m-%d", &tm);
    if (rest == nullptr) return std::nullopt;
  }
  return static_cast<double>(timegm(&tm));
}

bool InCidr(const std::string& ip, const std::string& cidr) {
  std::string net = cidr;
  int bits = -1;
  if (auto slash = cidr.find('/'); slash != std::string::npos) {
    net = cidr.substr(0, slash);
    bits = std::atoi(cidr.c_str() + slash + 1);
  }
  unsigned char a[16], b[16];
  int family = ip.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (inet_pton(family, ip.c_str(), a) != 1 || inet_pton(family, net.c_str(), b) != 1) return false;
  int len = family == AF_INET ? 4 : 16;
  if (bits < 0) bits = len * 8;
  for (int i = 0; i < len && bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((a[i] & mask) != (b[i] & mask)) return false;
  }
  return true;
}

std::vector<std::string> ArnParts(const std::string& arn) {
  std::vector<std::string> parts;
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', pos);
    if (colon == std::string::npos) break;
    parts.push_back(arn.substr(pos, colon - pos));
    pos = colon + 1;
  }
  parts.push_back(arn.substr(pos));
  return parts;
}

bool ArnMatch(const std::string& pattern, const std::string& arn) {
  if (pattern == "*") return true;
  auto p = ArnParts(pattern), a = ArnParts(arn);
  if (p.size() != 6 || a.size() != 6) return GlobMatch(pattern, arn, false);
  for (size_t i = 0; i < 6; ++i) {
    if (!GlobMatch(p[i], a[i], false)) return false;
  }
  return true;
}

// One policy value against one request value, for the operator without "Not".
bool Matches(const std::string& op, const std::string& policy_value, const std::string& value) {
  if (op == "StringEquals" || op == "StringNotEquals") return policy_value == value;
  if (op == "StringEqualsIgnoreCase" || op == "StringNotEqualsIgnoreCase") {
    return Lower(policy_value) == Lower(value);
  }
  if (op == "StringLike" || op == "StringNotLike") return GlobMatch(policy_value, value, false);
  if (op.rfind("Numeric", 0) == 0 || op.rfind("Date", 0) == 0) {
    bool date = op.rfind("Date", 0) == 0;
    auto pv = date ? Date(policy_value) : Number(policy_value);
    auto rv = date ? Date(value) : Number(value);
    if (!pv || !rv) return false;
    std::string cmp = op.substr(date ? 4 : 7);
    if (cmp == "Equals" || cmp == "NotEquals") return *rv == *pv;
    if (cmp == "LessThan") return *rv < *pv;
    if (cmp == "LessThanEquals") return *rv <= *pv;
    if (cmp == "GreaterThan") return *rv > *pv;
    if (cmp == "GreaterThanEquals") return *rv >= *pv;
    return false;
  }
  if (op == "Bool") return Lower(policy_value) == Lower(value);
  if (op == "BinaryEquals") return policy_value == value;
  if (op == "IpAddress" || op == "NotIpAddress") return InCidr(value, policy_value);
  if (op == "ArnEquals" || op == "ArnNotEquals") return policy_value == value;
  if (op == "ArnLike" || op == "ArnNotLike") return ArnMatch(policy_value, value);
  return false;
}

// ${aws:username} and friends, from the request's keys; ${*}, ${?}, ${$} are literals.
std::string Substitute(const std::string& text, const RequestContext& request) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 2, "${") == 0) {
      size_t end = text.find('}', i);
      if (end != std::string::npos) {
        std::string name = text.substr(i + 2, end - i - 2);
        if (name == "*" || name == "?") {
          // A literal * or ?, which GlobMatch must not take as a wildcard.
          out.push_back(name == "*" ? kLiteralStar : kLiteralQuestion);
        } else if (name == "$") {
          out += name;
        } else {
          auto it = request.keys.find(Lower(name));
          // An unknown variable makes the string match nothing (AWS: the statement does not
          // apply); a value no ARN or string can contain does that.
          out += it != request.keys.end() && !it->second.empty() ? it->second[0]
                                                                  : std::string("\x01");
        }
        i = end + 1;
        continue;
      }
    }
    out.push_back(text[i++]);
  }
  return out;
}

bool ConditionHolds(const Policy::Condition& c, const RequestContext& request, bool variables) {
  auto it = request.keys.find(c.key);
  bool present = it != request.keys.end() && !it->second.empty();
  if (c.op == "Null") {
    bool want_absent = !c.values.empty() && Lower(c.values[0]) == "true";
    return want_absent ? !present : present;
  }
  std::vector<std::string> policy_values;
  for (const auto& v : c.values) policy_values.push_back(variables ? Substitute(v, request) : v);
  const bool negated = Negated(c.op);
  auto any_match = [&](const std::string& value) {
    return std::any_of(policy_values.begin(), policy_values.end(),
                       [&](const std::string& pv) { return Matches(c.op, pv, value); });
  };
  // One request value against the operator, negation included.
  auto holds = [&](const std::string& value) { return negated ? !any_match(value) : any_match(value); };
  if (c.set == Policy::Condition::Set::kAllValues) {
    if (!present) return true;
    return std::all_of(it->second.begin(), it->second.end(), holds);
  }
  if (!present) return c.if_exists || negated;
  if (c.set == Policy::Condition::Set::kAnyValue) {
    return std::any_of(it->second.begin(), it->second.end(), holds);
  }
  return std::any_of(it->second.begin(), it->second.end(), holds);
}

bool StatementMatches(const Policy::Statement& s, const RequestContext& request, bool variables) {
  bool action = std::any_of(s.actions.begin(), s.actions.end(), [&](const std::string& a) {
    return GlobMatch(a, request.action, /*ignore_case=*/true);
  });
  if (action == s.not_action) return false;
  bool resource = std::any_of(s.resources.begin(), s.resources.end(), [&](const std::string& r) {
    return ArnMatch(variables ? Substitute(r, request) : r, request.resource);
  });
  if (resource == s.not_resource) return false;
  return std::all_of(s.conditions.begin(), s.conditions.end(), [&](const Policy::Condition& c) {
    return ConditionHolds(c, request, variables);
  });
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool ignore_case) {
  auto eq = [&](char a, char b) {
    if (a == kLiteralStar) return b == '*';
    if (a == kLiteralQuestion) return b == '?';
    return ignore_case ? std::tolower(static_cast<unsigned char>(a)) ==
                             std::tolower(static_cast<unsigned char>(b))
                       : a == b;
  };
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || eq(pattern[p], text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<Policy> Policy::Parse(std::string_view document) {
  json j;
  try {
    j = json::parse(document);
  } catch (const json::parse_error& e) {
    // Point at the fault: the start of the token where parsing stopped (e.byte is just past
    // its last character).
    size_t pos = std::min(e.byte > 0 ? e.byte - 1 : 0, document.empty() ? 0 : document.size() - 1);
    if (pos < document.size() && document[pos] == '"' && pos > 0) {
      size_t open = document.rfind('"', pos - 1);
      if (open != std::string_view::npos) pos = open;
    } else {
      while (pos > 0 && std::isalnum(static_cast<unsigned char>(document[pos - 1])) &&
             std::isalnum(static_cast<unsigned char>(document[pos]))) {
        --pos;
      }
    }
    size_t line = 1, column = 1;
    for (size_t i = 0; i < pos; ++i) {
      if (document[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return Malformed(fmt::format("Syntax errors in policy at line {}, column {}.", line, column));
  } catch (const json::exception&) {
    // Well-formed JSON nlohmann cannot hold, e.g. a number beyond a double (out_of_range 406):
    // found by fuzz_policy (issue 9); it escaped as an exception.
    return Malformed("Syntax errors in policy.");
  }
  if (!j.is_object()) return Malformed("Syntax errors in policy: the document must be a JSON object");
  Policy policy;
  for (const auto& [key, value] : j.items()) {
    if (key == "Version") {
      if (!value.is_string() || (value != "2012-10-17" && value != "2008-10-17")) {
        return Malformed("The policy failed legacy parsing: Version must be 2012-10-17 or 2008-10-17");
      }
      policy.variables_ = value == "2012-10-17";
    } else if (key == "Statement") {
      // checked below
    } else if (key == "Id") {
      return Malformed("Policy document should not specify an Id.");
    } else {
      return Malformed(fmt::format("Syntax errors in policy: unknown element {}", key));
    }
  }
  if (!j.contains("Statement")) return Malformed("Syntax errors in policy: missing Statement");
  json statements = j["Statement"];
  if (statements.is_object()) statements = json::array({statements});
  if (!statements.is_array() || statements.empty()) {
    return Malformed("Syntax errors in policy: Statement must be an object or a non-empty list");
  }
  int index = 0;
  for (const auto& st : statements) {
    ++index;
    std::string where = fmt::format("Statement {}", index);
    if (!st.is_object()) return Malformed(where + " must be an object");
    Statement s;
    bool has_effect = false, has_action = false, has_resource = false;
    for (const auto& [key, value] : st.items()) {
      if (key == "Sid") {
        if (!value.is_string() ||
            value.get<std::string>().find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") !=
                std::string::npos) {
          return Malformed(fmt::format("{}: Statement IDs (SID) must be alpha-numeric.", where));
        }
      } else if (key == "Effect") {
        if (value != "Allow" && value != "Deny") {
          return Malformed(fmt::format("{}: Effect must be Allow or Deny", where));
        }
        s.allow = value == "Allow";
        has_effect = true;
      } else if (key == "Action" || key == "NotAction") {
        if (has_action) return Malformed(where + ": Action and NotAction cannot both be given");
        ASSIGN_OR_RETURN(s.actions, Strings(value, where + " " + key));
        for (const auto& a : s.actions) {
          if (a != "*" && a.find(':') == std::string::npos) {
            return Malformed(fmt::format(
                "{}: Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. "
                "(got '{}')",
                where, a));
          }
        }
        s.not_action = key == "NotAction";
        has_action = true;
      } else if (key == "Resource" || key == "NotResource") {
        if (has_resource) return Malformed(where + ": Resource and NotResource cannot both be given");
        ASSIGN_OR_RETURN(s.resources, Strings(value, where + " " + key));
        for (const auto& r : s.resources) {
          if (r != "*" && r.rfind("arn:", 0) != 0) {
            return Malformed(fmt::format("{}: Resource {} must be in ARN format or \"*\".", where, r));
          }
        }
        s.not_resource = key == "NotResource";
        has_resource = true;
      } else if (key == "Condition") {
        if (!value.is_object()) return Malformed(where + ": Condition must be an object");
        for (const auto& [op_text, keys] : value.items()) {
          Condition c;
          std::string op = op_text;
          if (op.rfind("ForAnyValue:", 0) == 0) {
            c.set = Condition::Set::kAnyValue;
            op = op.substr(12);
          } else if (op.rfind("ForAllValues:", 0) == 0) {
            c.set = Condition::Set::kAllValues;
            op = op.substr(13);
          }
          if (op.size() > 8 && op.substr(op.size() - 8) == "IfExists" && op != "Null") {
            c.if_exists = true;
            op = op.substr(0, op.size() - 8);
          }
          if (!BaseOperators().count(op)) {
            return Malformed(fmt::format("{}: Invalid Condition type : {}", where, op_text));
          }
          if (!keys.is_object()) return Malformed(fmt::format("{}: {} must be an object", where, op_text));
          for (const auto& [k, v] : keys.items()) {
            Condition cond = c;
            cond.op = op;
            cond.key = Lower(k);
            if (cond.key == "aws:currenttime" || cond.key == "aws:epochtime") {
              policy.time_dependent_ = true;
            }
            ASSIGN_OR_RETURN(cond.values, Strings(v, fmt::format("{} {} {}", where, op_text, k)));
            s.conditions.push_back(std::move(cond));
          }
        }
      } else if (key == "Principal" || key == "NotPrincipal") {
        return Malformed("Policy document should not specify a principal.");
      } else {
        return Malformed(fmt::format("{}: unknown element {}", where, key));
      }
    }
    if (!has_effect) return Malformed(where + ": Missing required field Effect");
    if (!has_action) return Malformed(where + ": Policy statement must contain actions.");
    if (!has_resource) return Malformed(where + ": Policy statement must contain resources.");
    policy.statements_.push_back(std::move(s));
  }
  return policy;
}

Decision Policy::Evaluate(const RequestContext& request) const {
  bool allowed = false;
  for (const auto& s : statements_) {
    if (!StatementMatches(s, request, variables_)) continue;
    if (!s.allow) return Decision::kExplicitDeny;
    allowed = true;
  }
  return allowed ? Decision::kAllow : Decision::kImplicitDeny;
}

Decision EvaluatePolicies(const std::vector<const Policy*>& policies, const RequestContext& request) {
  bool allowed = false;
  for (const Policy* p : policies) {
    Decision d = p->Evaluate(request);
    if (d == Decision::kExplicitDeny) return d;
    allowed = allowed || d == Decision::kAllow;
  }
  return allowed ? Decision::kAllow : Decision::kImplicitDeny;
}

std::string ConditionSourceIp(std::string address) {
  if (address.rfind("::ffff:", 0) == 0 && address.find('.') != std::string::npos) {
    address = address.substr(7);
  }
  return address;
}

void AddOriginKeys(RequestContext& request, const std::string& source_address, bool secure,
                   int64_t now_seconds) {
  request.keys["aws:sourceip"] = {ConditionSourceIp(source_address)};
  request.keys["aws:securetransport"] = {secure ? "true" : "false"};
  request.keys["aws:currenttime"] = {IsoTimestamp(now_seconds)};
  request.keys["aws:epochtime"] = {std::to_string(now_seconds)};
}

}  // namespace sibyl::iam
