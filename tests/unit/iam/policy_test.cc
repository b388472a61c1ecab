// The policy evaluator, table-driven: each case is a policy, a request and the decision AWS
// gives, with the rule that makes it so. Grammar errors are checked below the table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "iam/policy.h"

namespace sibyl::iam {
namespace {

using testing::HasSubstr;

constexpr const char* kTable = "arn:aws:cassandra:us-east-1:111122223333:/keyspace/shop/table/orders";
constexpr const char* kKeyspace = "arn:aws:cassandra:us-east-1:111122223333:/keyspace/shop/";
constexpr const char* kSystem = "arn:aws:cassandra:us-east-1:111122223333:/keyspace/system/table/local";

struct Case {
  const char* why;
  std::string statements;  // the Statement array's content
  std::string action;
  std::string resource;
  std::map<std::string, std::vector<std::string>> keys;
  Decision expected;
};

std::string Allow(const std::string& action, const std::string& resource,
                  const std::string& extra = "") {
  return R"({"Effect":"Allow","Action":)" + action + R"(,"Resource":)" + resource + extra + "}";
}
std::string Deny(const std::string& action, const std::string& resource,
                 const std::string& extra = "") {
  return R"({"Effect":"Deny","Action":)" + action + R"(,"Resource":)" + resource + extra + "}";
}
std::string Cond(const std::string& body) { return R"(,"Condition":)" + body; }

const Decision A = Decision::kAllow;
const Decision D = Decision::kExplicitDeny;
const Decision I = Decision::kImplicitDeny;

std::vector<Case> Cases() {
  const std::string any = R"("*")";
  const std::string sel = R"("cassandra:Select")";
  std::vector<Case> c = {
      // --- effects and the default ---
      {"nothing matches: implicit deny", Allow(R"("cassandra:Modify")", any), "cassandra:Select", kTable, {}, I},
      {"a matching Allow allows", Allow(sel, any), "cassandra:Select", kTable, {}, A},
      {"a matching Deny denies", Deny(sel, any), "cassandra:Select", kTable, {}, D},
      {"explicit Deny beats Allow in the same policy", Allow(sel, any) + "," + Deny(sel, any), "cassandra:Select", kTable, {}, D},
      {"a Deny for another action does not block", Allow(sel, any) + "," + Deny(R"("cassandra:Drop")", any), "cassandra:Select", kTable, {}, A},
      {"Deny order does not matter", Deny(sel, any) + "," + Allow(sel, any), "cassandra:Select", kTable, {}, D},
      // --- actions ---
      {"* is every action", Allow(any, any), "iam:CreateUser", "arn:aws:iam::111122223333:user/a", {}, A},
      {"service wildcard", Allow(R"("cassandra:*")", any), "cassandra:Drop", kTable, {}, A},
      {"service wildcard is for its service only", Allow(R"("cassandra:*")", any), "iam:ListUsers", "*", {}, I},
      {"action names are case-insensitive", Allow(R"("CASSANDRA:select")", any), "cassandra:Select", kTable, {}, A},
      {"service prefixes are case-insensitive", Allow(R"("Cassandra:Select")", any), "cassandra:Select", kTable, {}, A},
      {"* inside an action name", Allow(R"("iam:*AccessKey*")", any), "iam:ListAccessKeys", "*", {}, A},
      {"* inside matches nothing else", Allow(R"("iam:*AccessKey*")", any), "iam:ListUsers", "*", {}, I},
      {"? matches one character", Allow(R"("cassandra:Sel?ct")", any), "cassandra:Select", kTable, {}, A},
      {"? does not match two", Allow(R"("cassandra:Sel?t")", any), "cassandra:Select", kTable, {}, I},
      {"a list of actions is ORed", Allow(R"(["cassandra:Modify","cassandra:Select"])", any), "cassandra:Select", kTable, {}, A},
      {"NotAction allows what is not listed", R"({"Effect":"Allow","NotAction":"cassandra:Drop","Resource":"*"})", "cassandra:Select", kTable, {}, A},
      {"NotAction does not allow what is listed", R"({"Effect":"Allow","NotAction":"cassandra:Drop","Resource":"*"})", "cassandra:Drop", kTable, {}, I},
      {"Deny with NotAction denies everything else", R"({"Effect":"Deny","NotAction":"cassandra:Select","Resource":"*"})", "cassandra:Modify", kTable, {}, D},
      {"Deny with NotAction spares the listed action", R"({"Effect":"Deny","NotAction":"cassandra:Select","Resource":"*"},)" + Allow(sel, any), "cassandra:Select", kTable, {}, A},
      {"NotAction with a wildcard", R"({"Effect":"Allow","NotAction":"iam:*","Resource":"*"})", "iam:CreateUser", "*", {}, I},
      // --- resources ---
      {"exact table ARN", Allow(sel, std::string("\"") + kTable + "\""), "cassandra:Select", kTable, {}, A},
      {"another table is not covered", Allow(sel, std::string("\"") + kTable + "\""), "cassandra:Select", "arn:aws:cassandra:us-east-1:111122223333:/keyspace/shop/table/items", {}, I},
      {"keyspace/* covers its tables (crosses /)", Allow(sel, R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/shop/*")"), "cassandra:Select", kTable, {}, A},
      {"keyspace/* does not cover another keyspace", Allow(sel, R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/shop/*")"), "cassandra:Select", kSystem, {}, I},
      {"the keyspace ARN itself", Allow(R"("cassandra:Create")", std::string("\"") + kKeyspace + "\""), "cassandra:Create", kKeyspace, {}, A},
      {"system* covers system tables", Allow(sel, R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/system*")"), "cassandra:Select", kSystem, {}, A},
      {"* in the region segment", Allow(sel, R"("arn:aws:cassandra:*:111122223333:/keyspace/shop/table/orders")"), "cassandra:Select", kTable, {}, A},
      {"* in the account segment", Allow(sel, R"("arn:aws:cassandra:us-east-1:*:/keyspace/shop/table/orders")"), "cassandra:Select", kTable, {}, A},
      {"wrong account", Allow(sel, R"("arn:aws:cassandra:us-east-1:999999999999:/keyspace/shop/table/orders")"), "cassandra:Select", kTable, {}, I},
      {"wrong region", Allow(sel, R"("arn:aws:cassandra:eu-west-1:111122223333:/keyspace/shop/table/orders")"), "cassandra:Select", kTable, {}, I},
      {"? in a resource", Allow(sel, R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/sho?/table/orders")"), "cassandra:Select", kTable, {}, A},
      {"resources are case-sensitive", Allow(sel, R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/SHOP/*")"), "cassandra:Select", kTable, {}, I},
      {"a list of resources is ORed", Allow(sel, std::string(R"(["arn:aws:cassandra:us-east-1:111122223333:/keyspace/x/*",")") + kTable + "\"]"), "cassandra:Select", kTable, {}, A},
      {"NotResource allows other resources", R"({"Effect":"Allow","Action":"cassandra:Select","NotResource":"arn:aws:cassandra:us-east-1:111122223333:/keyspace/system*"})", "cassandra:Select", kTable, {}, A},
      {"NotResource excludes the listed one", R"({"Effect":"Allow","Action":"cassandra:Select","NotResource":"arn:aws:cassandra:us-east-1:111122223333:/keyspace/system*"})", "cassandra:Select", kSystem, {}, I},
      {"deny one table, allow the keyspace", Allow(sel, R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/shop/*")") + "," + Deny(sel, std::string("\"") + kTable + "\""), "cassandra:Select", kTable, {}, D},
      {"deny one table spares the others", Allow(sel, R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/shop/*")") + "," + Deny(sel, std::string("\"") + kTable + "\""), "cassandra:Select", "arn:aws:cassandra:us-east-1:111122223333:/keyspace/shop/table/items", {}, A},
      // --- policy variables ---
      {"${aws:username} in a resource", "", "", "", {}, I},  // placeholder replaced below
  };
  c.pop_back();
  const std::string v12 = "2012-10-17";
  auto add = [&](const char* why, std::string st, std::string action, std::string resource,
                 std::map<std::string, std::vector<std::string>> keys, Decision d) {
    c.push_back({why, std::move(st), std::move(action), std::move(resource), std::move(keys), d});
  };
  add("${aws:username} resolves in a resource", Allow(R"("iam:*")", R"("arn:aws:iam::111122223333:user/${aws:username}")"), "iam:CreateAccessKey", "arn:aws:iam::111122223333:user/alice", {{"aws:username", {"alice"}}}, A);
  add("${aws:username} is another user's name", Allow(R"("iam:*")", R"("arn:aws:iam::111122223333:user/${aws:username}")"), "iam:CreateAccessKey", "arn:aws:iam::111122223333:user/bob", {{"aws:username", {"alice"}}}, I);
  add("an unknown variable matches nothing", Allow(R"("iam:*")", R"("arn:aws:iam::111122223333:user/${aws:nothing}")"), "iam:CreateAccessKey", "arn:aws:iam::111122223333:user/alice", {}, I);
  add("${*} is a literal *", Allow(sel, R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/${*}/*")"), "cassandra:Select", "arn:aws:cassandra:us-east-1:111122223333:/keyspace/*/table/t", {}, A);
  add("variables in condition values", Allow(sel, any, Cond(R"({"StringEquals":{"aws:ResourceTag/Owner":"${aws:username}"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}, {"aws:resourcetag/owner", {"alice"}}}, A);
  add("variables in condition values, mismatch", Allow(sel, any, Cond(R"({"StringEquals":{"aws:ResourceTag/Owner":"${aws:username}"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}, {"aws:resourcetag/owner", {"bob"}}}, I);
  // --- string conditions ---
  add("StringEquals matches exactly", Allow(sel, any, Cond(R"({"StringEquals":{"aws:username":"alice"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, A);
  add("StringEquals is case-sensitive", Allow(sel, any, Cond(R"({"StringEquals":{"aws:username":"Alice"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, I);
  add("StringEqualsIgnoreCase ignores case", Allow(sel, any, Cond(R"({"StringEqualsIgnoreCase":{"aws:username":"ALICE"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, A);
  add("condition key names are case-insensitive", Allow(sel, any, Cond(R"({"StringEquals":{"AWS:UserName":"alice"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, A);
  add("values of one key are ORed", Allow(sel, any, Cond(R"({"StringEquals":{"aws:username":["bob","alice"]}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, A);
  add("keys of one operator are ANDed", Allow(sel, any, Cond(R"({"StringEquals":{"aws:username":"alice","aws:resourcetag/team":"db"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}, {"aws:resourcetag/team", {"web"}}}, I);
  add("operators are ANDed", Allow(sel, any, Cond(R"({"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}, {"aws:securetransport", {"false"}}}, I);
  add("StringNotEquals with another value", Allow(sel, any, Cond(R"({"StringNotEquals":{"aws:username":"bob"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, A);
  add("StringNotEquals with the value", Allow(sel, any, Cond(R"({"StringNotEquals":{"aws:username":"alice"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, I);
  add("StringNotEquals lists are effectively ANDed", Allow(sel, any, Cond(R"({"StringNotEquals":{"aws:username":["bob","alice"]}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, I);
  add("StringLike with *", Allow(sel, any, Cond(R"({"StringLike":{"aws:username":"al*"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, A);
  add("StringLike with ?", Allow(sel, any, Cond(R"({"StringLike":{"aws:username":"al?ce"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, A);
  add("StringNotLike", Allow(sel, any, Cond(R"({"StringNotLike":{"aws:username":"b*"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, A);
  add("a missing key makes a positive operator false", Allow(sel, any, Cond(R"({"StringEquals":{"aws:resourcetag/owner":"alice"}})")), "cassandra:Select", kTable, {}, I);
  add("a missing key makes a negated operator true", Allow(sel, any, Cond(R"({"StringNotEquals":{"aws:resourcetag/owner":"alice"}})")), "cassandra:Select", kTable, {}, A);
  add("IfExists: a missing key is true", Allow(sel, any, Cond(R"({"StringEqualsIfExists":{"aws:resourcetag/owner":"alice"}})")), "cassandra:Select", kTable, {}, A);
  add("IfExists: a present key is checked", Allow(sel, any, Cond(R"({"StringEqualsIfExists":{"aws:resourcetag/owner":"alice"}})")), "cassandra:Select", kTable, {{"aws:resourcetag/owner", {"bob"}}}, I);
  add("a Deny with a failing condition does not apply", Allow(sel, any) + "," + Deny(sel, any, Cond(R"({"StringEquals":{"aws:username":"bob"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, A);
  add("a Deny with a holding condition applies", Allow(sel, any) + "," + Deny(sel, any, Cond(R"({"StringEquals":{"aws:username":"alice"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, D);
  // --- numeric, date, bool, binary, ip, arn, null ---
  add("NumericLessThan", Allow(sel, any, Cond(R"({"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}})")), "cassandra:Select", kTable, {{"aws:multifactorauthage", {"60"}}}, A);
  add("NumericLessThan false", Allow(sel, any, Cond(R"({"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}})")), "cassandra:Select", kTable, {{"aws:multifactorauthage", {"7200"}}}, I);
  add("NumericEquals", Allow(sel, any, Cond(R"({"NumericEquals":{"x:n":"5"}})")), "cassandra:Select", kTable, {{"x:n", {"5.0"}}}, A);
  add("NumericNotEquals", Allow(sel, any, Cond(R"({"NumericNotEquals":{"x:n":"5"}})")), "cassandra:Select", kTable, {{"x:n", {"6"}}}, A);
  add("NumericGreaterThanEquals at the edge", Allow(sel, any, Cond(R"({"NumericGreaterThanEquals":{"x:n":"5"}})")), "cassandra:Select", kTable, {{"x:n", {"5"}}}, A);
  add("NumericLessThanEquals above", Allow(sel, any, Cond(R"({"NumericLessThanEquals":{"x:n":"5"}})")), "cassandra:Select", kTable, {{"x:n", {"6"}}}, I);
  add("a non-number never matches a numeric operator", Allow(sel, any, Cond(R"({"NumericEquals":{"x:n":"5"}})")), "cassandra:Select", kTable, {{"x:n", {"five"}}}, I);
  add("DateLessThan with ISO dates", Allow(sel, any, Cond(R"({"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}})")), "cassandra:Select", kTable, {{"aws:currenttime", {"2026-11-24T12:00:00Z"}}}, A);
  add("DateGreaterThan with ISO dates", Allow(sel, any, Cond(R"({"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}})")), "cassandra:Select", kTable, {{"aws:currenttime", {"2026-11-24T12:00:00Z"}}}, I);
  add("Date operators take epoch seconds", Allow(sel, any, Cond(R"({"DateGreaterThanEquals":{"aws:EpochTime":"1700000000"}})")), "cassandra:Select", kTable, {{"aws:epochtime", {"1800000000"}}}, A);
  add("Bool true", Allow(sel, any, Cond(R"({"Bool":{"aws:SecureTransport":"true"}})")), "cassandra:Select", kTable, {{"aws:securetransport", {"true"}}}, A);
  add("Bool false", Allow(sel, any, Cond(R"({"Bool":{"aws:SecureTransport":"true"}})")), "cassandra:Select", kTable, {{"aws:securetransport", {"false"}}}, I);
  add("Bool written as a JSON boolean", Allow(sel, any, Cond(R"({"Bool":{"aws:SecureTransport":true}})")), "cassandra:Select", kTable, {{"aws:securetransport", {"true"}}}, A);
  add("Deny when not over TLS", Allow(sel, any) + "," + Deny(any, any, Cond(R"({"Bool":{"aws:SecureTransport":"false"}})")), "cassandra:Select", kTable, {{"aws:securetransport", {"false"}}}, D);
  add("BinaryEquals", Allow(sel, any, Cond(R"({"BinaryEquals":{"x:b":"QmluYXJ5"}})")), "cassandra:Select", kTable, {{"x:b", {"QmluYXJ5"}}}, A);
  add("IpAddress in a CIDR", Allow(sel, any, Cond(R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}})")), "cassandra:Select", kTable, {{"aws:sourceip", {"10.1.2.3"}}}, A);
  add("IpAddress outside the CIDR", Allow(sel, any, Cond(R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}})")), "cassandra:Select", kTable, {{"aws:sourceip", {"192.168.1.1"}}}, I);
  add("IpAddress with a single address", Allow(sel, any, Cond(R"({"IpAddress":{"aws:SourceIp":"127.0.0.1"}})")), "cassandra:Select", kTable, {{"aws:sourceip", {"127.0.0.1"}}}, A);
  add("IpAddress with IPv6", Allow(sel, any, Cond(R"({"IpAddress":{"aws:SourceIp":"2001:db8::/32"}})")), "cassandra:Select", kTable, {{"aws:sourceip", {"2001:db8::1"}}}, A);
  add("NotIpAddress", Allow(sel, any, Cond(R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}})")), "cassandra:Select", kTable, {{"aws:sourceip", {"192.168.1.1"}}}, A);
  add("NotIpAddress inside", Allow(sel, any, Cond(R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}})")), "cassandra:Select", kTable, {{"aws:sourceip", {"10.9.9.9"}}}, I);
  add("ArnLike per segment", Allow(sel, any, Cond(R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/al*"}})")), "cassandra:Select", kTable, {{"aws:principalarn", {"arn:aws:iam::111122223333:user/alice"}}}, A);
  add("ArnLike mismatch", Allow(sel, any, Cond(R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/b*"}})")), "cassandra:Select", kTable, {{"aws:principalarn", {"arn:aws:iam::111122223333:user/alice"}}}, I);
  add("ArnEquals exact", Allow(sel, any, Cond(R"({"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}})")), "cassandra:Select", kTable, {{"aws:principalarn", {"arn:aws:iam::111122223333:user/alice"}}}, A);
  add("ArnNotLike", Allow(sel, any, Cond(R"({"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/b*"}})")), "cassandra:Select", kTable, {{"aws:principalarn", {"arn:aws:iam::111122223333:user/alice"}}}, A);
  add("Null true: the key must be absent", Allow(sel, any, Cond(R"({"Null":{"aws:resourcetag/owner":"true"}})")), "cassandra:Select", kTable, {}, A);
  add("Null true with the key present", Allow(sel, any, Cond(R"({"Null":{"aws:resourcetag/owner":"true"}})")), "cassandra:Select", kTable, {{"aws:resourcetag/owner", {"x"}}}, I);
  add("Null false: the key must be present", Allow(sel, any, Cond(R"({"Null":{"aws:resourcetag/owner":"false"}})")), "cassandra:Select", kTable, {{"aws:resourcetag/owner", {"x"}}}, A);
  // --- multivalued keys ---
  add("ForAnyValue: one tag key matches", Allow(R"("cassandra:TagResource")", any, Cond(R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}})")), "cassandra:TagResource", kTable, {{"aws:tagkeys", {"env", "team"}}}, A);
  add("ForAnyValue: none matches", Allow(R"("cassandra:TagResource")", any, Cond(R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}})")), "cassandra:TagResource", kTable, {{"aws:tagkeys", {"env"}}}, I);
  add("ForAnyValue: no values is false", Allow(R"("cassandra:TagResource")", any, Cond(R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}})")), "cassandra:TagResource", kTable, {}, I);
  add("ForAllValues: every tag key allowed", Allow(R"("cassandra:TagResource")", any, Cond(R"({"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}})")), "cassandra:TagResource", kTable, {{"aws:tagkeys", {"env", "team"}}}, A);
  add("ForAllValues: one tag key not allowed", Allow(R"("cassandra:TagResource")", any, Cond(R"({"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}})")), "cassandra:TagResource", kTable, {{"aws:tagkeys", {"env", "team"}}}, I);
  add("ForAllValues: no values is true", Allow(R"("cassandra:TagResource")", any, Cond(R"({"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}})")), "cassandra:TagResource", kTable, {}, A);
  add("ForAllValues with StringLike", Allow(R"("cassandra:TagResource")", any, Cond(R"({"ForAllValues:StringLike":{"aws:TagKeys":["app-*"]}})")), "cassandra:TagResource", kTable, {{"aws:tagkeys", {"app-a", "app-b"}}}, A);
  add("ForAnyValue with a negated operator", Allow(R"("cassandra:TagResource")", any, Cond(R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":["team"]}})")), "cassandra:TagResource", kTable, {{"aws:tagkeys", {"team", "env"}}}, A);
  // --- managed-policy shapes ---
  add("AmazonKeyspacesReadOnlyAccess-like: Select allowed", Allow(R"(["cassandra:Select"])", any), "cassandra:Select", kSystem, {}, A);
  add("AmazonKeyspacesReadOnlyAccess-like: Modify refused", Allow(R"(["cassandra:Select"])", any), "cassandra:Modify", kTable, {}, I);
  add("AdministratorAccess-like: everything", Allow(any, any), "cassandra:Drop", kKeyspace, {}, A);
  // --- Keyspaces' resource shapes (statement -> ARN, §3.2-3.3) ---
  const std::string shop_tables = R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/shop/table/*")";
  const std::string shop_ks = R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/shop/")";
  add("table/* covers a table", Allow(R"("cassandra:Modify")", shop_tables), "cassandra:Modify", kTable, {}, A);
  add("table/* does not cover the keyspace ARN", Allow(R"("cassandra:Alter")", shop_tables), "cassandra:Alter", kKeyspace, {}, I);
  add("the keyspace ARN (trailing /) does not cover its tables", Allow(R"("cassandra:Select")", shop_ks), "cassandra:Select", kTable, {}, I);
  add("keyspace ARN without the trailing / does not match it", Allow(R"("cassandra:Drop")", R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/shop")"), "cassandra:Drop", kKeyspace, {}, I);
  add("/keyspace/* covers every keyspace", Allow(R"("cassandra:Create")", R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/*")"), "cassandra:Create", kKeyspace, {}, A);
  add("/keyspace/* covers every table", Allow(R"("cassandra:Create")", R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/*")"), "cassandra:Create", kTable, {}, A);
  add("system* covers system_schema", Allow(sel, R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/system*")"), "cassandra:Select", "arn:aws:cassandra:us-east-1:111122223333:/keyspace/system_schema/table/tables", {}, A);
  add("system* covers system_schema_mcs", Allow(sel, R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/system*")"), "cassandra:Select", "arn:aws:cassandra:us-east-1:111122223333:/keyspace/system_schema_mcs/table/tags", {}, A);
  add("system* also covers a keyspace named systematic (AWS's pattern is a prefix)", Allow(sel, R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/system*")"), "cassandra:Select", "arn:aws:cassandra:us-east-1:111122223333:/keyspace/systematic/table/t", {}, A);
  add("a wildcard in the partition segment", Allow(sel, R"("arn:*:cassandra:us-east-1:111122223333:/keyspace/shop/*")"), "cassandra:Select", kTable, {}, A);
  add("the service segment must match", Allow(sel, R"("arn:aws:dynamodb:us-east-1:111122223333:/keyspace/shop/*")"), "cassandra:Select", kTable, {}, I);
  add("a resource pattern that is not an ARN matches only by glob", Allow(sel, R"("arn:aws:cassandra:*")"), "cassandra:Select", kTable, {}, A);
  add("Select on the table does not allow Modify", Allow(sel, std::string("\"") + kTable + "\""), "cassandra:Modify", kTable, {}, I);
  add("Modify on the table does not allow Select", Allow(R"("cassandra:Modify")", std::string("\"") + kTable + "\""), "cassandra:Select", kTable, {}, I);
  add("read-only except one table", Allow(sel, any) + "," + Deny(sel, std::string("\"") + kTable + "\""), "cassandra:Select", kSystem, {}, A);
  add("deny Drop everywhere, allow everything else", Allow(R"("cassandra:*")", any) + "," + Deny(R"("cassandra:Drop")", any), "cassandra:Drop", kKeyspace, {}, D);
  add("deny Drop everywhere still allows Alter", Allow(R"("cassandra:*")", any) + "," + Deny(R"("cassandra:Drop")", any), "cassandra:Alter", kKeyspace, {}, A);
  add("deny the whole keyspace with a prefix", Allow(any, any) + "," + Deny(R"("cassandra:*")", R"("arn:aws:cassandra:*:*:/keyspace/secret*")"), "cassandra:Select", "arn:aws:cassandra:us-east-1:111122223333:/keyspace/secret/table/t", {}, D);
  add("UntagResource is its own action", Allow(R"("cassandra:TagResource")", any), "cassandra:UntagResource", kTable, {}, I);
  add("*Resource covers Tag and Untag", Allow(R"("cassandra:*Resource")", any), "cassandra:UntagResource", kTable, {}, A);
  add("IAM actions on the user ARN", Allow(R"("iam:CreateServiceSpecificCredential")", R"("arn:aws:iam::111122223333:user/alice")"), "iam:CreateServiceSpecificCredential", "arn:aws:iam::111122223333:user/alice", {}, A);
  add("IAM user ARNs with a path", Allow(R"("iam:GetUser")", R"("arn:aws:iam::111122223333:user/dev/*")"), "iam:GetUser", "arn:aws:iam::111122223333:user/dev/alice", {}, A);
  add("IAM user ARNs outside the path", Allow(R"("iam:GetUser")", R"("arn:aws:iam::111122223333:user/dev/*")"), "iam:GetUser", "arn:aws:iam::111122223333:user/ops/alice", {}, I);
  add("iam:List* and iam:Get* (IAMReadOnlyAccess)", Allow(R"(["iam:Get*","iam:List*"])", any), "iam:ListServiceSpecificCredentials", "arn:aws:iam::111122223333:user/alice", {}, A);
  add("IAMReadOnlyAccess does not allow Create", Allow(R"(["iam:Get*","iam:List*"])", any), "iam:CreateServiceSpecificCredential", "arn:aws:iam::111122223333:user/alice", {}, I);
  // --- more variables ---
  add("${aws:userid} resolves", Allow(R"("iam:*")", R"("arn:aws:iam::111122223333:user/${aws:userid}")"), "iam:GetUser", "arn:aws:iam::111122223333:user/AIDAEXAMPLE", {{"aws:userid", {"AIDAEXAMPLE"}}}, A);
  add("${aws:PrincipalTag/team} in a resource", Allow(sel, R"("arn:aws:cassandra:*:*:/keyspace/${aws:PrincipalTag/team}/*")"), "cassandra:Select", kTable, {{"aws:principaltag/team", {"shop"}}}, A);
  add("${aws:PrincipalTag/team} for another team", Allow(sel, R"("arn:aws:cassandra:*:*:/keyspace/${aws:PrincipalTag/team}/*")"), "cassandra:Select", kTable, {{"aws:principaltag/team", {"web"}}}, I);
  add("a variable whose key is missing matches nothing", Allow(sel, R"("arn:aws:cassandra:*:*:/keyspace/${aws:PrincipalTag/team}/*")"), "cassandra:Select", kTable, {}, I);
  add("ResourceTag equals PrincipalTag", Allow(sel, any, Cond(R"({"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}})")), "cassandra:Select", kTable, {{"aws:principaltag/team", {"db"}}, {"aws:resourcetag/team", {"db"}}}, A);
  add("ResourceTag differs from PrincipalTag", Allow(sel, any, Cond(R"({"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}})")), "cassandra:Select", kTable, {{"aws:principaltag/team", {"db"}}, {"aws:resourcetag/team", {"web"}}}, I);
  add("two variables in one value", Allow(R"("iam:*")", R"("arn:aws:iam::111122223333:user/${aws:PrincipalTag/dept}/${aws:username}")"), "iam:GetUser", "arn:aws:iam::111122223333:user/eng/alice", {{"aws:username", {"alice"}}, {"aws:principaltag/dept", {"eng"}}}, A);
  add("${?} is a literal ?", Allow(sel, R"("arn:aws:cassandra:us-east-1:111122223333:/keyspace/${?}/*")"), "cassandra:Select", "arn:aws:cassandra:us-east-1:111122223333:/keyspace/x/table/t", {}, I);
  // --- tags (Keyspaces' tag-based examples) ---
  add("RequestTag required on Create", Allow(R"("cassandra:Create")", any, Cond(R"({"StringEquals":{"aws:RequestTag/owner":"${aws:username}"}})")), "cassandra:Create", kTable, {{"aws:username", {"alice"}}, {"aws:requesttag/owner", {"alice"}}}, A);
  add("RequestTag missing on Create", Allow(R"("cassandra:Create")", any, Cond(R"({"StringEquals":{"aws:RequestTag/owner":"${aws:username}"}})")), "cassandra:Create", kTable, {{"aws:username", {"alice"}}}, I);
  add("Null forbids untagged creates", Allow(R"("cassandra:Create")", any) + "," + Deny(R"("cassandra:Create")", any, Cond(R"({"Null":{"aws:RequestTag/env":"true"}})")), "cassandra:Create", kTable, {}, D);
  add("Null lets tagged creates through", Allow(R"("cassandra:Create")", any) + "," + Deny(R"("cassandra:Create")", any, Cond(R"({"Null":{"aws:RequestTag/env":"true"}})")), "cassandra:Create", kTable, {{"aws:requesttag/env", {"prod"}}}, A);
  add("deny access to prod-tagged tables", Allow(sel, any) + "," + Deny(sel, any, Cond(R"({"StringEquals":{"aws:ResourceTag/env":"prod"}})")), "cassandra:Select", kTable, {{"aws:resourcetag/env", {"prod"}}}, D);
  add("deny prod spares dev", Allow(sel, any) + "," + Deny(sel, any, Cond(R"({"StringEquals":{"aws:ResourceTag/env":"prod"}})")), "cassandra:Select", kTable, {{"aws:resourcetag/env", {"dev"}}}, A);
  add("deny prod spares untagged", Allow(sel, any) + "," + Deny(sel, any, Cond(R"({"StringEquals":{"aws:ResourceTag/env":"prod"}})")), "cassandra:Select", kTable, {}, A);
  add("tag key names in conditions are case-insensitive", Allow(sel, any, Cond(R"({"StringEquals":{"aws:ResourceTag/ENV":"dev"}})")), "cassandra:Select", kTable, {{"aws:resourcetag/env", {"dev"}}}, A);
  add("tag values are case-sensitive", Allow(sel, any, Cond(R"({"StringEquals":{"aws:ResourceTag/env":"Dev"}})")), "cassandra:Select", kTable, {{"aws:resourcetag/env", {"dev"}}}, I);
  add("only some tag keys may be removed", Allow(R"("cassandra:UntagResource")", any, Cond(R"({"ForAllValues:StringEquals":{"aws:TagKeys":["temp"]}})")), "cassandra:UntagResource", kTable, {{"aws:tagkeys", {"owner"}}}, I);
  // --- dates, numbers, IPs at the edges ---
  add("DateEquals with the same instant in two spellings", Allow(sel, any, Cond(R"({"DateEquals":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}})")), "cassandra:Select", kTable, {{"aws:currenttime", {"1767225600"}}}, A);
  add("DateNotEquals", Allow(sel, any, Cond(R"({"DateNotEquals":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}})")), "cassandra:Select", kTable, {{"aws:currenttime", {"2026-01-02T00:00:00Z"}}}, A);
  add("DateLessThanEquals at the edge", Allow(sel, any, Cond(R"({"DateLessThanEquals":{"aws:CurrentTime":"2026-01-01"}})")), "cassandra:Select", kTable, {{"aws:currenttime", {"2026-01-01T00:00:00Z"}}}, A);
  add("a window of dates (two operators ANDed)", Allow(sel, any, Cond(R"({"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}})")), "cassandra:Select", kTable, {{"aws:currenttime", {"2026-11-27T00:00:00Z"}}}, A);
  add("outside the window", Allow(sel, any, Cond(R"({"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}})")), "cassandra:Select", kTable, {{"aws:currenttime", {"2027-03-01T00:00:00Z"}}}, I);
  add("NumericGreaterThan false at the edge", Allow(sel, any, Cond(R"({"NumericGreaterThan":{"x:n":"5"}})")), "cassandra:Select", kTable, {{"x:n", {"5"}}}, I);
  add("NumericLessThanIfExists with the key absent", Allow(sel, any, Cond(R"({"NumericLessThanIfExists":{"x:n":"5"}})")), "cassandra:Select", kTable, {}, A);
  add("IpAddress /32", Allow(sel, any, Cond(R"({"IpAddress":{"aws:SourceIp":"203.0.113.7/32"}})")), "cassandra:Select", kTable, {{"aws:sourceip", {"203.0.113.8"}}}, I);
  add("IpAddress /0 is everything", Allow(sel, any, Cond(R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})")), "cassandra:Select", kTable, {{"aws:sourceip", {"198.51.100.1"}}}, A);
  add("IpAddress with a list of CIDRs", Allow(sel, any, Cond(R"({"IpAddress":{"aws:SourceIp":["10.0.0.0/8","127.0.0.0/8"]}})")), "cassandra:Select", kTable, {{"aws:sourceip", {"127.0.0.1"}}}, A);
  add("an IPv4 address never matches an IPv6 range", Allow(sel, any, Cond(R"({"IpAddress":{"aws:SourceIp":"::/0"}})")), "cassandra:Select", kTable, {{"aws:sourceip", {"127.0.0.1"}}}, I);
  add("BoolIfExists with the key absent", Allow(sel, any, Cond(R"({"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}})")), "cassandra:Select", kTable, {}, A);
  add("StringLikeIfExists present and matching", Allow(sel, any, Cond(R"({"StringLikeIfExists":{"aws:username":"a*"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, A);
  add("StringNotEqualsIgnoreCase", Allow(sel, any, Cond(R"({"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}})")), "cassandra:Select", kTable, {{"aws:username", {"alice"}}}, I);
  add("ArnNotEquals", Allow(sel, any, Cond(R"({"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/bob"}})")), "cassandra:Select", kTable, {{"aws:principalarn", {"arn:aws:iam::111122223333:user/alice"}}}, A);
  add("ArnLike with ? in one segment", Allow(sel, any, Cond(R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::11112222333?:user/alice"}})")), "cassandra:Select", kTable, {{"aws:principalarn", {"arn:aws:iam::111122223333:user/alice"}}}, A);
  return c;
}

class PolicyTable : public testing::TestWithParam<Case> {};

TEST_P(PolicyTable, GivesAwsDecision) {
  const Case& c = GetParam();
  auto policy = Policy::Parse(R"({"Version":"2012-10-17","Statement":[)" + c.statements + "]}");
  ASSERT_TRUE(policy.ok()) << c.why << ": " << policy.status().ToString();
  RequestContext request{c.action, c.resource, c.keys};
  EXPECT_EQ(static_cast<int>(policy->Evaluate(request)), static_cast<int>(c.expected)) << c.why;
}

INSTANTIATE_TEST_SUITE_P(Cases, PolicyTable, testing::ValuesIn(Cases()));

TEST(Policy, DenyInOnePolicyBeatsAllowInAnother) {
  auto allow = *Policy::Parse(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})");
  auto deny = *Policy::Parse(R"({"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"cassandra:Drop","Resource":"*"}})");
  RequestContext drop{"cassandra:Drop", kTable, {}};
  RequestContext select{"cassandra:Select", kTable, {}};
  EXPECT_EQ(EvaluatePolicies({&allow, &deny}, drop), Decision::kExplicitDeny);
  EXPECT_EQ(EvaluatePolicies({&allow, &deny}, select), Decision::kAllow);
  EXPECT_EQ(EvaluatePolicies({}, select), Decision::kImplicitDeny);
}

TEST(Policy, VariablesNeedVersion2012) {
  auto old = *Policy::Parse(R"({"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::1:user/${aws:username}"}})");
  RequestContext r{"iam:GetUser", "arn:aws:iam::1:user/alice", {{"aws:username", {"alice"}}}};
  EXPECT_EQ(old.Evaluate(r), Decision::kImplicitDeny);
}

Status ParseError(const std::string& doc) {
  auto p = Policy::Parse(doc);
  return p.ok() ? Status::OK() : p.status();
}

TEST(Policy, MalformedDocumentsNameTheFault) {
  EXPECT_THAT(ParseError("{not json").message(), HasSubstr("Syntax errors in policy"));
  // A missing comma: the fault is where the next key starts.
  EXPECT_EQ(ParseError("{\n  \"Version\": \"2012-10-17\"\n  \"Statement\": []\n}").message(),
            "Syntax errors in policy at line 3, column 3.");
  EXPECT_THAT(ParseError(R"({"Version":"2012-10-17"})").message(), HasSubstr("missing Statement"));
  EXPECT_THAT(ParseError(R"({"Statement":{"Action":"*","Resource":"*"}})").message(),
              HasSubstr("Statement 1: Missing required field Effect"));
  EXPECT_THAT(ParseError(R"({"Statement":{"Effect":"Permit","Action":"*","Resource":"*"}})").message(),
              HasSubstr("Effect must be Allow or Deny"));
  EXPECT_THAT(ParseError(R"({"Statement":{"Effect":"Allow","Resource":"*"}})").message(),
              HasSubstr("must contain actions"));
  EXPECT_THAT(ParseError(R"({"Statement":{"Effect":"Allow","Action":"*"}})").message(),
              HasSubstr("must contain resources"));
  EXPECT_THAT(ParseError(R"({"Statement":{"Effect":"Allow","Action":"Select","Resource":"*"}})").message(),
              HasSubstr("must be prefaced by a vendor"));
  EXPECT_THAT(ParseError(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"table"}})").message(),
              HasSubstr("must be in ARN format"));
  EXPECT_THAT(ParseError(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Principal":"*"}})").message(),
              HasSubstr("should not specify a principal"));
  EXPECT_THAT(ParseError(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringSimilar":{"a:b":"c"}}}})").message(),
              HasSubstr("Invalid Condition type : StringSimilar"));
  EXPECT_THAT(ParseError(R"({"Statement":{"Sid":"has space","Effect":"Allow","Action":"*","Resource":"*"}})").message(),
              HasSubstr("alpha-numeric"));
  EXPECT_THAT(ParseError(R"({"Version":"2020-01-01","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})").message(),
              HasSubstr("Version"));
  Status syntax = ParseError("{");
  const auto* d = std::get_if<AwsErrorDetail>(&syntax.detail());
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, "MalformedPolicyDocument");
  EXPECT_EQ(d->http_status, 400);
}

// Issue 9 (fuzz_policy): a number nlohmann::json cannot hold threw out_of_range out of Parse.
TEST(Policy, NumbersBeyondADoubleAreMalformedNotAnException) {
  Status s = ParseError(R"({"Statement":{"Effect":8e88888888888888888888}})");
  const auto* d = std::get_if<AwsErrorDetail>(&s.detail());
  ASSERT_NE(d, nullptr) << s.ToString();
  EXPECT_EQ(d->code, "MalformedPolicyDocument");
  EXPECT_EQ(s.message(), "Syntax errors in policy.");
}

TEST(GlobMatch, StarsAndQuestionMarks) {
  EXPECT_TRUE(GlobMatch("*", "", false));
  EXPECT_TRUE(GlobMatch("a*c", "abbbc", false));
  EXPECT_FALSE(GlobMatch("a*c", "abbbd", false));
  EXPECT_TRUE(GlobMatch("a?c", "abc", false));
  EXPECT_TRUE(GlobMatch("A*", "abc", true));
  EXPECT_FALSE(GlobMatch("A*", "abc", false));
}

}  // namespace
}  // namespace sibyl::iam
