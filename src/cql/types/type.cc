#include "cql/types/type.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "common/utf8.h"

namespace sibyl::cql::types {

struct Type::Params {
  std::vector<Type> types;
  std::string udt_keyspace;
  std::string udt_name;
  std::vector<std::string> field_names;
};

Type::Type(Kind kind) : kind_(kind) {}

Type Type::List(Type element, bool frozen) {
  Type t(Kind::kList);
  t.frozen_ = frozen;
  t.params_ = std::make_shared<const Params>(Params{{std::move(element)}, "", "", {}});
  return t;
}

Type Type::Set(Type element, bool frozen) {
  Type t(Kind::kSet);
  t.frozen_ = frozen;
  t.params_ = std::make_shared<const Params>(Params{{std::move(element)}, "", "", {}});
  return t;
}

Type Type::Map(Type key, Type value, bool frozen) {
  Type t(Kind::kMap);
  t.frozen_ = frozen;
  t.params_ = std::make_shared<const Params>(Params{{std::move(key), std::move(value)}, "", "", {}});
  return t;
}

Type Type::Tuple(std::vector<Type> elements) {
  Type t(Kind::kTuple);
  t.frozen_ = true;
  t.params_ = std::make_shared<const Params>(Params{std::move(elements), "", "", {}});
  return t;
}

Type Type::Udt(std::string keyspace, std::string name, std::vector<std::string> field_names,
               std::vector<Type> field_types, bool frozen) {
  Type t(Kind::kUdt);
  t.frozen_ = frozen;
  t.params_ = std::make_shared<const Params>(
      Params{std::move(field_types), std::move(keyspace), std::move(name), std::move(field_names)});
  return t;
}

Type Type::WithFrozen(bool frozen) const {
  Type t = *this;
  t.frozen_ = frozen;
  return t;
}

bool Type::IsCollection() const {
  return kind_ == Kind::kList || kind_ == Kind::kSet || kind_ == Kind::kMap;
}

const std::vector<Type>& Type::params() const {
  static const std::vector<Type> kNone;
  return params_ ? params_->types : kNone;
}

const std::string& Type::udt_keyspace() const {
  static const std::string kEmpty;
  return params_ ? params_->udt_keyspace : kEmpty;
}

const std::string& Type::udt_name() const {
  static const std::string kEmpty;
  return params_ ? params_->udt_name : kEmpty;
}

const std::vector<std::string>& Type::udt_field_names() const {
  static const std::vector<std::string> kNone;
  return params_ ? params_->field_names : kNone;
}

namespace {

const char* NativeName(Kind kind) {
  switch (kind) {
    case Kind::kAscii: return "ascii";
    case Kind::kBigint: return "bigint";
    case Kind::kBlob: return "blob";
    case Kind::kBoolean: return "boolean";
    case Kind::kCounter: return "counter";
    case Kind::kDecimal: return "decimal";
    case Kind::kDouble: return "double";
    case Kind::kFloat: return "float";
    case Kind::kInt: return "int";
    case Kind::kTimestamp: return "timestamp";
    case Kind::kUuid: return "uuid";
    case Kind::kVarchar: return "text";
    case Kind::kVarint: return "varint";
    case Kind::kTimeuuid: return "timeuuid";
    case Kind::kInet: return "inet";
    case Kind::kDate: return "date";
    case Kind::kTime: return "time";
    case Kind::kSmallint: return "smallint";
    case Kind::kTinyint: return "tinyint";
    case Kind::kDuration: return "duration";
    default: return nullptr;
  }
}

}  // namespace

std::string Type::ToCql() const {
  std::string inner;
  switch (kind_) {
    case Kind::kList:
      inner = fmt::format("list<{}>", params()[0].ToCql());
      break;
    case Kind::kSet:
      inner = fmt::format("set<{}>", params()[0].ToCql());
      break;
    case Kind::kMap:
      inner = fmt::format("map<{}, {}>", params()[0].ToCql(), params()[1].ToCql());
      break;
    case Kind::kTuple: {
      // Tuples are always frozen, and Cassandra 4.1 says so (CQL3Type.Tuple.toString:
      // "frozen<tuple<int, text>>" in system_schema, DESCRIBE and messages; issue 11).
      inner = "frozen<tuple<";
      for (size_t i = 0; i < params().size(); ++i) inner += (i ? ", " : "") + params()[i].ToCql();
      return inner + ">>";
    }
    case Kind::kUdt:
      inner = QuoteUserTypeName(udt_name());
      break;
    case Kind::kCustom:
      return "'custom'";
    default:
      return NativeName(kind_);
  }
  return frozen_ ? "frozen<" + inner + ">" : inner;
}

bool Type::operator==(const Type& other) const {
  if (kind_ != other.kind_ || frozen_ != other.frozen_) return false;
  if (params() != other.params()) return false;
  if (kind_ == Kind::kUdt) {
    return udt_keyspace() == other.udt_keyspace() && udt_name() == other.udt_name() &&
           udt_field_names() == other.udt_field_names();
  }
  return true;
}

namespace {

class TypeNameParser {
 public:
  TypeNameParser(std::string_view text, const UserTypeLookup* lookup)
      : text_(text), lookup_(lookup) {}

  Result<Type> ParseAll() {
    ASSIGN_OR_RETURN(Type t, Parse(/*frozen=*/false));
    SkipSpace();
    if (pos_ != text_.size()) return Error();
    return t;
  }

 private:
  Status Error() const {
    return InvalidRequest(fmt::format("Unknown type {}", QuoteForMessage(text_)));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  std::string Word() {
    SkipSpace();
    size_t start = pos_;
    quoted_ = false;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      // A quoted identifier: "" inside stands for one " (as QuoteUserTypeName writes it).
      ++pos_;
      quoted_ = true;
      std::string out;
      while (pos_ < text_.size()) {
        if (text_[pos_] == '"') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
            out += '"';
            pos_ += 2;
            continue;
          }
          break;
        }
        out += text_[pos_++];
      }
      if (pos_ < text_.size()) ++pos_;
      return out;
    }
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
            text_[pos_] == '.')) {
      ++pos_;
    }
    std::string w(text_.substr(start, pos_ - start));
    std::transform(w.begin(), w.end(), w.begin(), ::tolower);
    return w;
  }

  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Result<Type> Parse(bool frozen) {
    // Each '<' recurses once; stop before the stack is at risk (kMaxNestingDepth, issue 9).
    struct Level {
      int& depth;
      explicit Level(int& d) : depth(++d) {}
      ~Level() { --depth; }
    } level(depth_);
    if (depth_ > kMaxNestingDepth) {
      return InvalidRequest(fmt::format("Type nested too deeply (more than {} levels)",
                                        kMaxNestingDepth));
    }
    std::string w = Word();
    if (w.empty() && !quoted_) return Error();
    if (quoted_) return UserType(w, frozen);
    if (w == "frozen") {
      if (!Consume('<')) return Error();
      ASSIGN_OR_RETURN(Type inner, Parse(true));
      if (!Consume('>')) return Error();
      return inner;
    }
    if (w == "list" || w == "set") {
      if (!Consume('<')) return Error();
      ASSIGN_OR_RETURN(Type e, Parse(false));
      if (!Consume('>')) return Error();
      if (e.IsCollection() && !e.frozen()) {
        return InvalidRequest("Non-frozen collections are not allowed inside collections: " +
                              QuoteForMessage(text_));
      }
      return w == "list" ? Type::List(e, frozen) : Type::Set(e, frozen);
    }
    if (w == "map") {
      if (!Consume('<')) return Error();
      ASSIGN_OR_RETURN(Type k, Parse(false));
      if (!Consume(',')) return Error();
      ASSIGN_OR_RETURN(Type v, Parse(false));
      if (!Consume('>')) return Error();
      if ((k.IsCollection() && !k.frozen()) || (v.IsCollection() && !v.frozen())) {
        return InvalidRequest("Non-frozen collections are not allowed inside collections: " +
                              QuoteForMessage(text_));
      }
      return Type::Map(k, v, frozen);
    }
    if (w == "tuple") {
      if (!Consume('<')) return Error();
      std::vector<Type> elements;
      do {
        ASSIGN_OR_RETURN(Type e, Parse(false));
        elements.push_back(e);
      } while (Consume(','));
      if (!Consume('>')) return Error();
      return Type::Tuple(std::move(elements));
    }
    static const std::pair<const char*, Kind> kNames[] = {
        {"ascii", Kind::kAscii},       {"bigint", Kind::kBigint},     {"blob", Kind::kBlob},
        {"boolean", Kind::kBoolean},   {"counter", Kind::kCounter},   {"decimal", Kind::kDecimal},
        {"double", Kind::kDouble},     {"float", Kind::kFloat},       {"int", Kind::kInt},
        {"timestamp", Kind::kTimestamp}, {"uuid", Kind::kUuid},       {"text", Kind::kVarchar},
        {"varchar", Kind::kVarchar},   {"varint", Kind::kVarint},     {"timeuuid", Kind::kTimeuuid},
        {"inet", Kind::kInet},         {"date", Kind::kDate},         {"time", Kind::kTime},
        {"smallint", Kind::kSmallint}, {"tinyint", Kind::kTinyint},   {"duration", Kind::kDuration},
    };
    for (const auto& [name, kind] : kNames) {
      if (w == name) return Type(kind);
    }
    return UserType(w, frozen);
  }

  Result<Type> UserType(const std::string& name, bool frozen) {
    if (lookup_ == nullptr || !*lookup_) {
      return InvalidRequest(fmt::format("Unknown type {}", QuoteForMessage(name)));
    }
    ASSIGN_OR_RETURN(Type t, (*lookup_)(name));
    return t.WithFrozen(frozen);
  }

  std::string_view text_;
  const UserTypeLookup* lookup_ = nullptr;
  size_t pos_ = 0;
  int depth_ = 0;
  bool quoted_ = false;  // whether the last Word() was a quoted identifier
};

}  // namespace

Result<Type> ParseTypeName(std::string_view text) {
  return TypeNameParser(text, nullptr).ParseAll();
}

Result<Type> ParseTypeName(std::string_view text, const UserTypeLookup& lookup) {
  return TypeNameParser(text, &lookup).ParseAll();
}

std::string QuoteUserTypeName(const std::string& name) {
  const bool plain = !name.empty() && name[0] >= 'a' && name[0] <= 'z' &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                     });
  // Native and collection type names are quoted too, so the text parses back to the user type.
  static const char* kTypeWords[] = {
      "ascii", "bigint",  "blob",   "boolean", "counter",  "date",   "decimal",  "double",
      "duration", "float", "inet",  "int",     "smallint", "text",   "time",     "timestamp",
      "timeuuid", "tinyint", "uuid", "varchar", "varint",  "list",   "set",      "map",
      "frozen",   "tuple"};
  const bool type_word = std::any_of(std::begin(kTypeWords), std::end(kTypeWords),
                                     [&](const char* w) { return name == w; });
  if (plain && !type_word) return name;
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool ReferencesUserType(const Type& type, const std::string& keyspace, const std::string& name) {
  if (type.kind() == Kind::kUdt && type.udt_keyspace() == keyspace && type.udt_name() == name) {
    return true;
  }
  for (const Type& p : type.params()) {
    if (ReferencesUserType(p, keyspace, name)) return true;
  }
  return false;
}

int TypeDepth(const Type& type) {
  int deepest = 0;
  for (const Type& p : type.params()) deepest = std::max(deepest, TypeDepth(p));
  return deepest + 1;
}

Status CheckKeyType(const Type& type, std::string_view column_name) {
  if (type.kind() == Kind::kCounter) {
    return InvalidRequest(
        fmt::format("counter type is not supported for PRIMARY KEY column '{}'", column_name));
  }
  if (type.kind() == Kind::kDuration) {
    return InvalidRequest(
        fmt::format("duration type is not supported for PRIMARY KEY column '{}'", column_name));
  }
  if (type.IsCollection() && !type.frozen()) {
    return InvalidRequest(fmt::format(
        "Invalid non-frozen collection type {} for PRIMARY KEY component {}", type.ToCql(),
        column_name));
  }
  if (type.kind() == Kind::kUdt && !type.frozen()) {
    // CreateTableStatement.builder (4.1).
    return InvalidRequest(fmt::format(
        "Invalid non-frozen user-defined type for PRIMARY KEY component {}", column_name));
  }
  return Status::OK();
}

}  // namespace sibyl::cql::types
