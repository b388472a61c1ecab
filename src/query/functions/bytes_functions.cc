// Cassandra 4.1 BytesConversionFcts: <type>asblob(<type>) -> blob and blobas<type>(blob) ->
// <type> for every native type but blob, plus varcharasblob / blobasvarchar. The bytes are
// unchanged; blobas<type> checks them against the type.
#include <fmt/format.h>

#include "cql/types/validate.h"
#include "query/functions/function.h"

namespace sibyl::query::functions {

using types::Kind;
using types::Type;

namespace {

std::string Hex(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

void AddPair(std::vector<NativeFunction>& out, Kind kind, const std::string& type_name) {
  NativeFunction to_blob;
  to_blob.name = type_name + "asblob";
  to_blob.arg_types = {Type(kind)};
  to_blob.return_type = Type(Kind::kBlob);
  to_blob.execute = [](const Arguments& args) -> Result<types::Value> { return args[0]; };
  out.push_back(std::move(to_blob));

  NativeFunction from_blob;
  from_blob.name = "blobas" + type_name;
  from_blob.arg_types = {Type(Kind::kBlob)};
  from_blob.return_type = Type(kind);
  const std::string name = from_blob.name;
  from_blob.execute = [kind, name, type_name](const Arguments& args) -> Result<types::Value> {
    if (args[0] && !types::ValidateValue(Type(kind), *args[0]).ok()) {
      // Hex of the whole value, as Cassandra; values are bounded by the frame size.
      return InvalidRequest(fmt::format(
          "In call to function {}, value 0x{} is not a valid binary representation for type {}",
          name, Hex(*args[0]), type_name == "varchar" ? "text" : type_name));
    }
    return args[0];
  };
  out.push_back(std::move(from_blob));
}

}  // namespace

void AddBytesFunctions(std::vector<NativeFunction>& out) {
  // CQL3Type.Native.values() order, blob skipped; "text" stands for varchar in the loop and
  // varchar gets its own pair after it.
  static const std::pair<Kind, const char*> kTypes[] = {
      {Kind::kAscii, "ascii"},         {Kind::kBigint, "bigint"},     {Kind::kBoolean, "boolean"},
      {Kind::kCounter, "counter"},     {Kind::kDate, "date"},         {Kind::kDecimal, "decimal"},
      {Kind::kDouble, "double"},       {Kind::kDuration, "duration"}, {Kind::kFloat, "float"},
      {Kind::kInet, "inet"},           {Kind::kInt, "int"},           {Kind::kSmallint, "smallint"},
      {Kind::kVarchar, "text"},        {Kind::kTime, "time"},         {Kind::kTimestamp, "timestamp"},
      {Kind::kTimeuuid, "timeuuid"},   {Kind::kTinyint, "tinyint"},   {Kind::kUuid, "uuid"},
      {Kind::kVarint, "varint"},       {Kind::kVarchar, "varchar"}};
  for (const auto& [kind, name] : kTypes) AddPair(out, kind, name);
}

}  // namespace sibyl::query::functions
