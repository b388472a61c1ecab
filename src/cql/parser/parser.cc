// Recursive-descent parser for CQL 3 (Cassandra 4.x grammar, Parser.g), producing ast.h.
// Error messages follow ANTLR's shapes as Cassandra reports them: "line L:C <what> at input 'x'".
#include "cql/parser/parser.h"

#include <fmt/format.h>

#include <set>

#include "common/utf8.h"
#include "cql/parser/lexer.h"

namespace sibyl::cql::parser {
namespace {

// Cassandra's reserved keywords (docs "Appendix A"): never identifiers unless quoted.
const std::set<std::string>& Reserved() {
  static const std::set<std::string> kReserved = {
      "add",     "allow",     "alter",       "and",     "apply",  "asc",      "authorize",
      "batch",   "begin",     "by",          "columnfamily",      "create",   "delete",
      "desc",    "describe",  "drop",        "entries", "execute", "from",    "full",
      "grant",   "if",        "in",          "index",   "infinity", "insert", "into",
      "is",      "keyspace",  "limit",       "modify",  "nan",    "norecursive", "not",
      "null",    "of",        "on",          "or",      "order",  "primary",  "rename",
      "replace", "revoke",    "schema",      "select",  "set",    "table",    "to",
      "token",   "truncate",  "unlogged",    "update",  "use",    "using",    "view",
      "where",   "with"};
  return kReserved;
}

bool IsNativeTypeName(const std::string& s) {
  static const std::set<std::string> kTypes = {
      "ascii", "bigint", "blob",  "boolean", "counter", "date",     "decimal", "double",
      "duration", "float", "inet", "int",   "smallint", "text",   "time",    "timestamp",
      "timeuuid", "tinyint", "uuid", "varchar", "varint", "list", "set", "map", "frozen", "tuple"};
  return kTypes.count(s) > 0;
}

TermPtr MakeTerm(decltype(Term::value) v) {
  auto t = std::make_shared<Term>();
  t->value = std::move(v);
  return t;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string_view text)
      : tokens_(std::move(tokens)), text_(text) {}

  Result<std::shared_ptr<const Statement>> ParseAll() {
    auto stmt = std::make_shared<Statement>();
    stmt->text = std::string(text_);
    ASSIGN_OR_RETURN(stmt->body, ParseBody());
    AcceptSymbol(";");
    if (Cur().kind != TokenKind::kEof) {
      return Error(Cur(), fmt::format("missing EOF at '{}'", Quote(Cur())));
    }
    stmt->bind_markers = std::move(markers_);
    return std::shared_ptr<const Statement>(std::move(stmt));
  }

 private:
  using Body = decltype(Statement::body);

  // ---- token helpers ------------------------------------------------------------------------
  const Token& Cur() const { return tokens_[pos_]; }
  const Token& Ahead(size_t n) const {
    return tokens_[std::min(pos_ + n, tokens_.size() - 1)];
  }
  void Advance() {
    if (Cur().kind != TokenKind::kEof) ++pos_;
  }
  bool IsKeyword(const Token& t, const char* kw) const {
    return t.kind == TokenKind::kIdent && t.text == kw;
  }
  bool IsKeyword(const char* kw) const { return IsKeyword(Cur(), kw); }
  bool IsSymbol(const char* s) const { return Cur().kind == TokenKind::kSymbol && Cur().text == s; }
  bool AcceptKeyword(const char* kw) {
    if (!IsKeyword(kw)) return false;
    Advance();
    return true;
  }
  bool AcceptSymbol(const char* s) {
    if (!IsSymbol(s)) return false;
    Advance();
    return true;
  }

  static Status Error(const Token& at, const std::string& message) {
    return SyntaxError(fmt::format("line {}:{} {}", at.line, at.column, message));
  }
  // A token as messages quote it: valid UTF-8, no control characters, bounded (issue 9).
  static std::string Quote(const Token& t) { return QuoteForMessage(t.raw); }
  Status Mismatch(const std::string& expecting) const {
    if (Cur().kind == TokenKind::kEof) {
      return Error(Cur(), fmt::format("mismatched input '<EOF>' expecting {}", expecting));
    }
    return Error(Cur(), fmt::format("mismatched input '{}' expecting {}", Quote(Cur()), expecting));
  }
  Status NoViable() const {
    return Error(Cur(), fmt::format("no viable alternative at input '{}'", Quote(Cur())));
  }

  // One level of nesting: every recursive rule (terms, types, selectors) opens one, so the depth
  // of recursion, and of the AST that later code walks, never exceeds types::kMaxNestingDepth.
  class Level {
   public:
    explicit Level(int& depth) : depth_(++depth) {}
    ~Level() { --depth_; }
    Level(const Level&) = delete;
    Level& operator=(const Level&) = delete;
    bool exceeded() const { return depth_ > types::kMaxNestingDepth; }

   private:
    int& depth_;
  };
  Status TooDeep() const {
    return Error(Cur(), fmt::format("statement nested too deeply: more than {} levels of "
                                    "parentheses, brackets, braces, type parameters or "
                                    "function calls",
                                    types::kMaxNestingDepth));
  }

  // A selector's text names its result column when it has no alias, so it must fit a [string];
  // texts are cut just past the limit while building (nested calls copy their arguments' text)
  // and refused in ParseSelector if no alias replaces them.
  static void BoundName(std::string& text) {
    if (text.size() > kMaxIdentifierBytes) text = std::string(Utf8Prefix(text, kMaxIdentifierBytes + 4));
  }
  Status ExpectKeyword(const char* kw) {
    if (AcceptKeyword(kw)) return Status::OK();
    std::string upper(kw);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return Mismatch("K_" + upper);
  }
  Status ExpectSymbol(const char* s) {
    if (AcceptSymbol(s)) return Status::OK();
    return Mismatch(fmt::format("'{}'", s));
  }

  // ---- names ----------------------------------------------------------------------------------
  Result<std::string> Ident() {
    const Token& t = Cur();
    if (t.kind == TokenKind::kQuotedIdent) {
      std::string s = t.text;
      Advance();
      return s;
    }
    if (t.kind == TokenKind::kIdent && !Reserved().count(t.text)) {
      std::string s = t.text;
      Advance();
      return s;
    }
    return NoViable();
  }

  Result<QualifiedName> QName() {
    QualifiedName q;
    ASSIGN_OR_RETURN(std::string first, Ident());
    if (AcceptSymbol(".")) {
      q.keyspace = std::move(first);
      ASSIGN_OR_RETURN(q.name, Ident());
    } else {
      q.name = std::move(first);
    }
    return q;
  }

  Result<TypeName> Type() {
    Level level(depth_);
    if (level.exceeded()) return TooDeep();
    TypeName t;
    const Token& tok = Cur();
    if (tok.kind == TokenKind::kString) {
      return Error(tok, "unsupported: custom types given as class names");
    }
    if (tok.kind == TokenKind::kIdent && IsNativeTypeName(tok.text)) {
      t.name = tok.text;  // "set" and "map" are reserved words but fine as type names
      Advance();
    } else {
      ASSIGN_OR_RETURN(t.name, Ident());
      t.user_type = true;
    }
    if (t.user_type && AcceptSymbol(".")) {
      ASSIGN_OR_RETURN(std::string second, Ident());
      t.name += "." + second;
      return t;
    }
    if (AcceptSymbol("<")) {
      do {
        ASSIGN_OR_RETURN(TypeName p, Type());
        t.params.push_back(std::move(p));
      } while (AcceptSymbol(","));
      RETURN_IF_ERROR(ExpectSymbol(">"));
    }
    return t;
  }

  // ---- terms ----------------------------------------------------------------------------------
  TermPtr NewMarker(std::string name) {
    BindMarker m{static_cast<int>(markers_.size()), std::move(name)};
    markers_.push_back(m);
    return MakeTerm(m);
  }

  bool AtPIsoDuration() const {
    const Token& t = Cur();
    if (t.kind != TokenKind::kIdent || t.text.size() < 2 || t.text[0] != 'p') return false;
    for (char c : t.text.substr(1)) {
      if (!std::isdigit(static_cast<unsigned char>(c)) &&
          std::string("ymwdths").find(c) == std::string::npos) {
        return false;
      }
    }
    return std::isdigit(static_cast<unsigned char>(t.text[1])) || t.text[1] == 't';
  }

  // ---- arithmetic (issue 13) -------------------------------------------------------------------
  // Cassandra 4.1 Parser.g term: termAddition / termMultiplication / termGroup. As
  // FunctionCall.Raw.newOperation does, an operator is a call of system._add, _substract,
  // _multiply, _divide, _modulo; unary minus is system._negate (of a number literal: the
  // negative literal).
  static TermPtr OperationTerm(char op, TermPtr left, TermPtr right) {
    static const std::pair<char, const char*> kNames[] = {
        {'+', "_add"}, {'-', "_substract"}, {'*', "_multiply"}, {'/', "_divide"}, {'%', "_modulo"}};
    FunctionCall call;
    call.name.keyspace = "system";
    for (const auto& [symbol, name] : kNames) {
      if (symbol == op) call.name.name = name;
    }
    call.args.push_back(std::move(left));
    if (right != nullptr) call.args.push_back(std::move(right));
    if (op == 'n') call.name.name = "_negate";
    return MakeTerm(std::move(call));
  }

  // Whether the token at pos_ + n can start a term (so that `l = [1] + l` stays a prepend).
  bool StartsTermAt(size_t n) const {
    const Token& t = Ahead(n);
    switch (t.kind) {
      case TokenKind::kString: case TokenKind::kInteger: case TokenKind::kFloat:
      case TokenKind::kUuid: case TokenKind::kHex: case TokenKind::kDuration:
      case TokenKind::kMarker: case TokenKind::kNamedMarker:
        return true;
      case TokenKind::kSymbol:
        return t.text == "[" || t.text == "{" || t.text == "(" || t.text == "-";
      case TokenKind::kIdent:
      case TokenKind::kQuotedIdent: {
        if (t.kind == TokenKind::kIdent &&
            (t.text == "true" || t.text == "false" || t.text == "null" || t.text == "nan" ||
             t.text == "infinity" || (t.text.size() >= 2 && t.text[0] == 'p' &&
                                      (std::isdigit(static_cast<unsigned char>(t.text[1])) ||
                                       t.text[1] == 't')))) {
          return true;
        }
        const Token& next = Ahead(n + 1);
        if (next.kind != TokenKind::kSymbol) return false;
        return next.text == "(" || (next.text == "." && Ahead(n + 3).kind == TokenKind::kSymbol &&
                                    Ahead(n + 3).text == "(");
      }
      default:
        return false;
    }
  }

  // Each operator nests the tree one level: a chain of them counts against the nesting limit
  // like parentheses (the recursion itself goes through ParseSimpleTerm's level).
  class OperatorLevels {
   public:
    explicit OperatorLevels(int& depth) : depth_(depth) {}
    ~OperatorLevels() { depth_ -= added_; }
    OperatorLevels(const OperatorLevels&) = delete;
    OperatorLevels& operator=(const OperatorLevels&) = delete;
    bool Add() {
      ++added_;
      return ++depth_ <= types::kMaxNestingDepth;
    }

   private:
    int& depth_;
    int added_ = 0;
  };

  // One left-associative level of binary operators: `ops` holds the one-character operators of
  // the level; operands come from `next`, `combine(op, left, right)` builds the node, and an
  // operator is taken only while `take()` agrees. Shared by terms and selectors.
  template <typename Ptr, typename Next, typename Combine, typename Take>
  Result<Ptr> ParseOperatorLevel(std::string_view ops, Next next, Combine combine, Take take) {
    OperatorLevels levels(depth_);
    ASSIGN_OR_RETURN(Ptr left, next());
    while (Cur().kind == TokenKind::kSymbol && Cur().text.size() == 1 &&
           ops.find(Cur().text[0]) != std::string_view::npos && take()) {
      if (!levels.Add()) return TooDeep();
      const char op = Cur().text[0];
      Advance();
      ASSIGN_OR_RETURN(Ptr right, next());
      left = combine(op, std::move(left), std::move(right));
    }
    return left;
  }

  Result<TermPtr> ParseTerm() {
    // A + or - is an operator only when a term follows it (StartsTermAt).
    return ParseOperatorLevel<TermPtr>(
        "+-", [this] { return ParseTermProduct(); }, OperationTerm,
        [this] { return StartsTermAt(1); });
  }

  Result<TermPtr> ParseTermProduct() {
    return ParseOperatorLevel<TermPtr>(
        "*/%", [this] { return ParseTermGroup(); }, OperationTerm, [] { return true; });
  }

  Result<TermPtr> ParseTermGroup() {
    if (IsSymbol("-") && !IsKeyword(Ahead(1), "infinity") && !IsKeyword(Ahead(1), "nan")) {
      Advance();
      ASSIGN_OR_RETURN(TermPtr operand, ParseSimpleTerm());
      if (const auto* lit = std::get_if<Literal>(&operand->value);
          lit != nullptr &&
          (lit->kind == types::LiteralKind::kInteger || lit->kind == types::LiteralKind::kFloat)) {
        std::string text = lit->text[0] == '-' ? lit->text.substr(1) : "-" + lit->text;
        return MakeTerm(Literal{lit->kind, std::move(text)});
      }
      return OperationTerm('n', std::move(operand), nullptr);
    }
    return ParseSimpleTerm();
  }

  Result<TermPtr> ParseSimpleTerm() {
    Level level(depth_);
    if (level.exceeded()) return TooDeep();
    const Token& t = Cur();
    auto literal = [&](types::LiteralKind kind, std::string text) {
      Advance();
      return MakeTerm(Literal{kind, std::move(text)});
    };
    switch (t.kind) {
      case TokenKind::kString: return literal(types::LiteralKind::kString, t.text);
      case TokenKind::kInteger: return literal(types::LiteralKind::kInteger, t.text);
      case TokenKind::kFloat: return literal(types::LiteralKind::kFloat, t.text);
      case TokenKind::kUuid: return literal(types::LiteralKind::kUuid, t.text);
      case TokenKind::kHex: return literal(types::LiteralKind::kHex, t.text);
      case TokenKind::kDuration: return literal(types::LiteralKind::kDuration, t.text);
      case TokenKind::kMarker:
        Advance();
        return NewMarker("");
      case TokenKind::kNamedMarker: {
        std::string name = t.text;
        Advance();
        return NewMarker(std::move(name));
      }
      default:
        break;
    }
    if (t.kind == TokenKind::kIdent) {
      if (t.text == "true" || t.text == "false") return literal(types::LiteralKind::kBoolean, t.text);
      if (t.text == "null") {
        Advance();
        return MakeTerm(NullLiteral{});
      }
      if (t.text == "nan") return literal(types::LiteralKind::kFloat, "NaN");
      if (t.text == "infinity") return literal(types::LiteralKind::kFloat, "Infinity");
      if (AtPIsoDuration()) return literal(types::LiteralKind::kDuration, t.raw);
    }
    if (IsSymbol("-") && IsKeyword(Ahead(1), "infinity")) {
      Advance();
      Advance();
      return MakeTerm(Literal{types::LiteralKind::kFloat, "-Infinity"});
    }
    if (IsSymbol("-") && IsKeyword(Ahead(1), "nan")) {
      Advance();
      Advance();
      return MakeTerm(Literal{types::LiteralKind::kFloat, "NaN"});
    }
    if (IsSymbol("[")) {
      Advance();
      ListLiteral list;
      if (!IsSymbol("]")) {
        do {
          ASSIGN_OR_RETURN(TermPtr e, ParseTerm());
          list.elements.push_back(std::move(e));
        } while (AcceptSymbol(","));
      }
      RETURN_IF_ERROR(ExpectSymbol("]"));
      return MakeTerm(std::move(list));
    }
    if (IsSymbol("{")) return ParseBraces();
    if (IsSymbol("(")) {
      // A type cast "(int) ?" or a tuple "(1, 'a')".
      const Token& next = Ahead(1);
      bool cast = next.kind == TokenKind::kIdent && IsNativeTypeName(next.text) &&
                  ((Ahead(2).kind == TokenKind::kSymbol &&
                    (Ahead(2).text == ")" || Ahead(2).text == "<")));
      Advance();
      if (cast) {
        TypeCast c;
        ASSIGN_OR_RETURN(c.type, Type());
        RETURN_IF_ERROR(ExpectSymbol(")"));
        ASSIGN_OR_RETURN(c.term, ParseSimpleTerm());
        return MakeTerm(std::move(c));
      }
      TupleLiteral tuple;
      do {
        ASSIGN_OR_RETURN(TermPtr e, ParseTerm());
        tuple.elements.push_back(std::move(e));
      } while (AcceptSymbol(","));
      RETURN_IF_ERROR(ExpectSymbol(")"));
      return MakeTerm(std::move(tuple));
    }
    if ((t.kind == TokenKind::kIdent || t.kind == TokenKind::kQuotedIdent) &&
        (Ahead(1).kind == TokenKind::kSymbol &&
         (Ahead(1).text == "(" ||
          (Ahead(1).text == "." && Ahead(3).kind == TokenKind::kSymbol && Ahead(3).text == "(")))) {
      FunctionCall call;
      call.name.name = t.kind == TokenKind::kIdent ? t.text : t.text;
      Advance();
      if (AcceptSymbol(".")) {
        call.name.keyspace = call.name.name;
        call.name.name = Cur().text;
        Advance();
      }
      RETURN_IF_ERROR(ExpectSymbol("("));
      if (!IsSymbol(")")) {
        do {
          ASSIGN_OR_RETURN(TermPtr arg, ParseTerm());
          call.args.push_back(std::move(arg));
        } while (AcceptSymbol(","));
      }
      RETURN_IF_ERROR(ExpectSymbol(")"));
      return MakeTerm(std::move(call));
    }
    return NoViable();
  }

  Result<TermPtr> ParseBraces() {
    Advance();  // {
    if (AcceptSymbol("}")) return MakeTerm(MapLiteral{});
    // A UDT literal has identifier keys: {street: 'x', city: 'y'}.
    if ((Cur().kind == TokenKind::kIdent || Cur().kind == TokenKind::kQuotedIdent) &&
        Ahead(1).kind == TokenKind::kSymbol && Ahead(1).text == ":" &&
        !(Cur().kind == TokenKind::kIdent &&
          (Cur().text == "true" || Cur().text == "false" || Cur().text == "null"))) {
      UdtLiteral udt;
      do {
        ASSIGN_OR_RETURN(std::string field, Ident());
        RETURN_IF_ERROR(ExpectSymbol(":"));
        ASSIGN_OR_RETURN(TermPtr v, ParseTerm());
        udt.fields.emplace_back(std::move(field), std::move(v));
      } while (AcceptSymbol(","));
      RETURN_IF_ERROR(ExpectSymbol("}"));
      return MakeTerm(std::move(udt));
    }
    ASSIGN_OR_RETURN(TermPtr first, ParseTerm());
    if (AcceptSymbol(":")) {
      MapLiteral map;
      ASSIGN_OR_RETURN(TermPtr v, ParseTerm());
      map.entries.emplace_back(std::move(first), std::move(v));
      while (AcceptSymbol(",")) {
        ASSIGN_OR_RETURN(TermPtr k, ParseTerm());
        RETURN_IF_ERROR(ExpectSymbol(":"));
        ASSIGN_OR_RETURN(TermPtr v2, ParseTerm());
        map.entries.emplace_back(std::move(k), std::move(v2));
      }
      RETURN_IF_ERROR(ExpectSymbol("}"));
      return MakeTerm(std::move(map));
    }
    SetLiteral set;
    set.elements.push_back(std::move(first));
    while (AcceptSymbol(",")) {
      ASSIGN_OR_RETURN(TermPtr e, ParseTerm());
      set.elements.push_back(std::move(e));
    }
    RETURN_IF_ERROR(ExpectSymbol("}"));
    return MakeTerm(std::move(set));
  }

  // ---- relations ------------------------------------------------------------------------------
  Result<Operator> ParseOperator() {
    static const std::pair<const char*, Operator> kOps[] = {
        {"=", Operator::kEq},  {"<", Operator::kLt},   {"<=", Operator::kLte},
        {">", Operator::kGt},  {">=", Operator::kGte}, {"!=", Operator::kNeq}};
    if (Cur().kind == TokenKind::kSymbol) {
      for (const auto& [text, op] : kOps) {
        if (Cur().text == text) {
          Advance();
          return op;
        }
      }
    }
    if (AcceptKeyword("in")) return Operator::kIn;
    if (AcceptKeyword("contains")) {
      if (AcceptKeyword("key")) return Operator::kContainsKey;
      return Operator::kContains;
    }
    if (AcceptKeyword("like")) return Operator::kLike;
    return NoViable();
  }

  Status ParseInValues(Relation& r, bool tuples) {
    if (Cur().kind == TokenKind::kMarker || Cur().kind == TokenKind::kNamedMarker) {
      ASSIGN_OR_RETURN(r.right, ParseTerm());
      return Status::OK();
    }
    RETURN_IF_ERROR(ExpectSymbol("("));
    r.in_is_list = true;
    if (!IsSymbol(")")) {
      do {
        ASSIGN_OR_RETURN(TermPtr v, ParseTerm());
        r.in_values.push_back(std::move(v));
      } while (AcceptSymbol(","));
    }
    (void)tuples;
    return ExpectSymbol(")");
  }

  Result<Relation> ParseRelation() {
    Relation r;
    if (IsKeyword("token") && Ahead(1).kind == TokenKind::kSymbol && Ahead(1).text == "(") {
      Advance();
      Advance();
      TokenRef ref;
      do {
        ASSIGN_OR_RETURN(std::string c, Ident());
        ref.columns.push_back(std::move(c));
      } while (AcceptSymbol(","));
      RETURN_IF_ERROR(ExpectSymbol(")"));
      r.left = std::move(ref);
      ASSIGN_OR_RETURN(r.op, ParseOperator());
      ASSIGN_OR_RETURN(r.right, ParseTerm());
      return r;
    }
    if (IsSymbol("(")) {
      Advance();
      TupleRef ref;
      do {
        ASSIGN_OR_RETURN(std::string c, Ident());
        ref.columns.push_back(std::move(c));
      } while (AcceptSymbol(","));
      RETURN_IF_ERROR(ExpectSymbol(")"));
      r.left = std::move(ref);
      ASSIGN_OR_RETURN(r.op, ParseOperator());
      if (r.op == Operator::kIn) {
        RETURN_IF_ERROR(ParseInValues(r, true));
      } else {
        ASSIGN_OR_RETURN(r.right, ParseTerm());
      }
      return r;
    }
    ASSIGN_OR_RETURN(std::string column, Ident());
    if (AcceptSymbol("[")) {
      ElementRef ref{column, nullptr};
      ASSIGN_OR_RETURN(ref.key, ParseTerm());
      RETURN_IF_ERROR(ExpectSymbol("]"));
      r.left = std::move(ref);
    } else {
      r.left = ColumnRef{column};
    }
    if (AcceptKeyword("is")) {
      RETURN_IF_ERROR(ExpectKeyword("not"));
      RETURN_IF_ERROR(ExpectKeyword("null"));
      r.op = Operator::kIsNot;
      r.right = MakeTerm(NullLiteral{});
      return r;
    }
    ASSIGN_OR_RETURN(r.op, ParseOperator());
    if (r.op == Operator::kIn) {
      RETURN_IF_ERROR(ParseInValues(r, false));
    } else {
      ASSIGN_OR_RETURN(r.right, ParseTerm());
    }
    return r;
  }

  Result<std::vector<Relation>> ParseWhere() {
    std::vector<Relation> out;
    do {
      ASSIGN_OR_RETURN(Relation r, ParseRelation());
      out.push_back(std::move(r));
    } while (AcceptKeyword("and"));
    return out;
  }

  Status ParseConditions(Conditions& c) {
    if (AcceptKeyword("exists")) {
      c.if_exists = true;
      return Status::OK();
    }
    if (IsKeyword("not") && IsKeyword(Ahead(1), "exists")) {
      Advance();
      Advance();
      c.if_not_exists = true;
      return Status::OK();
    }
    do {
      // IF u.f op v: a UDT field condition (Cassandra 4.1 columnCondition '.' fident; issue 12).
      if (Cur().kind == TokenKind::kIdent && Ahead(1).kind == TokenKind::kSymbol &&
          Ahead(1).text == ".") {
        Relation r;
        ASSIGN_OR_RETURN(std::string column, Ident());
        Advance();
        ASSIGN_OR_RETURN(r.field, Ident());
        r.left = ColumnRef{column};
        ASSIGN_OR_RETURN(r.op, ParseOperator());
        if (r.op == Operator::kIn) {
          RETURN_IF_ERROR(ParseInValues(r, false));
        } else {
          ASSIGN_OR_RETURN(r.right, ParseTerm());
        }
        c.columns.push_back(std::move(r));
        continue;
      }
      ASSIGN_OR_RETURN(Relation r, ParseRelation());
      c.columns.push_back(std::move(r));
    } while (AcceptKeyword("and"));
    return Status::OK();
  }

  Status ParseUsing(UsingClause& u, bool allow_ttl) {
    if (!AcceptKeyword("using")) return Status::OK();
    do {
      if (AcceptKeyword("ttl")) {
        if (!allow_ttl) return Error(tokens_[pos_ - 1], "mismatched input 'TTL' expecting K_TIMESTAMP");
        ASSIGN_OR_RETURN(u.ttl, ParseTerm());
      } else if (AcceptKeyword("timestamp")) {
        ASSIGN_OR_RETURN(u.timestamp, ParseTerm());
      } else {
        return Mismatch(allow_ttl ? "K_TTL or K_TIMESTAMP" : "K_TIMESTAMP");
      }
    } while (AcceptKeyword("and"));
    return Status::OK();
  }

  // ---- properties -----------------------------------------------------------------------------
  Result<TermPtr> PropertyValue() {
    if (Cur().kind == TokenKind::kIdent && !IsKeyword("true") && !IsKeyword("false") &&
        !(Ahead(1).kind == TokenKind::kSymbol && Ahead(1).text == "(")) {
      // Unquoted words are constants here (e.g. speculative_retry = NONE).
      std::string word = Cur().raw;
      Advance();
      return MakeTerm(Literal{types::LiteralKind::kString, std::move(word)});
    }
    return ParseTerm();
  }

  Status ParseProperty(std::vector<Property>& out) {
    Property p;
    ASSIGN_OR_RETURN(p.name, Ident());
    RETURN_IF_ERROR(ExpectSymbol("="));
    ASSIGN_OR_RETURN(p.value, PropertyValue());
    out.push_back(std::move(p));
    return Status::OK();
  }

  // ---- statements -----------------------------------------------------------------------------
  Result<Body> ParseBody() {
    const Token& t = Cur();
    if (t.kind != TokenKind::kIdent) return NoViable();
    const std::string& kw = t.text;
    if (kw == "select") return ParseSelect();
    if (kw == "insert") return ParseInsert();
    if (kw == "update") return ParseUpdate();
    if (kw == "delete") return ParseDelete();
    if (kw == "begin") return ParseBatch();
    if (kw == "use") {
      Advance();
      ASSIGN_OR_RETURN(std::string ks, Ident());
      return Body(UseStatement{ks});
    }
    if (kw == "truncate") {
      Advance();
      if (!AcceptKeyword("table")) AcceptKeyword("columnfamily");
      ASSIGN_OR_RETURN(QualifiedName q, QName());
      return Body(TruncateStatement{q});
    }
    if (kw == "create") return ParseCreate();
    if (kw == "alter") return ParseAlter();
    if (kw == "drop") return ParseDrop();
    if (kw == "describe" || kw == "desc") return ParseDescribe();
    static const std::set<std::string> kRefused = {"grant", "revoke", "list"};
    if (kRefused.count(kw)) return Refuse(Upper(kw));
    return NoViable();
  }

  static std::string Upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }

  // Statements parsed only to be refused: skip to the end.
  Result<Body> Refuse(std::string what) {
    while (Cur().kind != TokenKind::kEof && !IsSymbol(";")) Advance();
    return Body(UnsupportedStatement{std::move(what)});
  }

  Result<Body> ParseDescribe() {
    Advance();  // DESCRIBE
    DescribeStatement d;
    using Kind = DescribeStatement::Kind;
    if (AcceptKeyword("full")) {
      RETURN_IF_ERROR(ExpectKeyword("schema"));
      d.kind = Kind::kSchema;
      d.full = true;
      return Body(std::move(d));
    }
    if (AcceptKeyword("only")) d.only = true;
    if (AcceptKeyword("keyspaces")) {
      d.kind = Kind::kKeyspaces;
    } else if (AcceptKeyword("keyspace")) {
      d.kind = Kind::kKeyspace;
      if (Cur().kind != TokenKind::kEof && !IsSymbol(";")) {
        ASSIGN_OR_RETURN(d.name.name, Ident());
      }
    } else if (AcceptKeyword("tables") || AcceptKeyword("columnfamilies")) {
      d.kind = Kind::kTables;
    } else if (AcceptKeyword("table") || AcceptKeyword("columnfamily")) {
      d.kind = Kind::kTable;
      ASSIGN_OR_RETURN(d.name, QName());
    } else if (AcceptKeyword("cluster")) {
      d.kind = Kind::kCluster;
    } else if (AcceptKeyword("schema")) {
      d.kind = Kind::kSchema;
    } else if (AcceptKeyword("types")) {
      d.kind = Kind::kTypes;
    } else if (AcceptKeyword("functions")) {
      d.kind = Kind::kFunctions;
    } else if (AcceptKeyword("aggregates")) {
      d.kind = Kind::kAggregates;
    } else if (IsKeyword("type") && Ahead(1).kind != TokenKind::kEof &&
               !(Ahead(1).kind == TokenKind::kSymbol && Ahead(1).text == ";")) {
      Advance();
      d.kind = Kind::kType;
      ASSIGN_OR_RETURN(d.name, QName());
    } else if (Cur().kind == TokenKind::kIdent &&
               (Cur().text == "function" || Cur().text == "aggregate" ||
                Cur().text == "index" || Cur().text == "materialized")) {
      return Refuse("DESCRIBE " + Upper(Cur().text));
    } else {
      d.kind = Kind::kName;
      ASSIGN_OR_RETURN(d.name, QName());
    }
    return Body(std::move(d));
  }

  Result<Body> ParseSelect() {
    Advance();  // SELECT
    SelectStatement s;
    auto keyword_here = [&](const char* kw) {
      // JSON and DISTINCT are keywords only when a selector follows them.
      if (!IsKeyword(kw)) return false;
      const Token& next = Ahead(1);
      return !(IsKeyword(next, "from") || IsKeyword(next, "as") ||
               (next.kind == TokenKind::kSymbol && (next.text == "," || next.text == "(")));
    };
    if (keyword_here("json")) {
      Advance();
      s.json = true;
    }
    if (keyword_here("distinct")) {
      Advance();
      s.distinct = true;
    }
    if (AcceptSymbol("*")) {
      s.select_all = true;
    } else {
      do {
        ASSIGN_OR_RETURN(SelectorPtr sel, ParseSelector());
        s.selectors.push_back(std::move(sel));
      } while (AcceptSymbol(","));
    }
    RETURN_IF_ERROR(ExpectKeyword("from"));
    ASSIGN_OR_RETURN(s.table, QName());
    if (AcceptKeyword("where")) {
      ASSIGN_OR_RETURN(s.where, ParseWhere());
    }
    if (IsKeyword("group") && IsKeyword(Ahead(1), "by")) {
      Advance();
      Advance();
      do {
        ASSIGN_OR_RETURN(std::string c, Ident());
        if (IsSymbol("(")) {
          return Error(Cur(), "unsupported: GROUP BY on a function of a column (Cassandra 5.0)");
        }
        s.group_by.push_back(std::move(c));
      } while (AcceptSymbol(","));
    }
    if (AcceptKeyword("order")) {
      RETURN_IF_ERROR(ExpectKeyword("by"));
      do {
        ClusteringOrder o;
        ASSIGN_OR_RETURN(o.column, Ident());
        if (AcceptKeyword("desc")) {
          o.descending = true;
        } else {
          AcceptKeyword("asc");
        }
        s.order_by.push_back(std::move(o));
      } while (AcceptSymbol(","));
    }
    if (IsKeyword("per") && IsKeyword(Ahead(1), "partition")) {
      Advance();
      Advance();
      RETURN_IF_ERROR(ExpectKeyword("limit"));
      ASSIGN_OR_RETURN(s.per_partition_limit, ParseTerm());
    }
    if (AcceptKeyword("limit")) {
      ASSIGN_OR_RETURN(s.limit, ParseTerm());
    }
    if (AcceptKeyword("allow")) {
      RETURN_IF_ERROR(ExpectKeyword("filtering"));
      s.allow_filtering = true;
    }
    return Body(std::move(s));
  }

  // ---- selector arithmetic (issue 13) ------------------------------------------------------------
  // Cassandra 4.1 Parser.g unaliasedSelector: selectionAddition / selectionMultiplication /
  // selectionGroup, the operators as calls of system._add... (Selectable.WithFunction.Raw.
  // newOperation), a parenthesised selector, and keyspace-qualified calls (system.now()).
  static SelectorPtr OperationSelector(char op, SelectorPtr left, SelectorPtr right) {
    static const std::pair<char, const char*> kNames[] = {
        {'+', "_add"}, {'-', "_substract"}, {'*', "_multiply"}, {'/', "_divide"}, {'%', "_modulo"}};
    auto sel = std::make_shared<Selector>();
    sel->kind = Selector::Kind::kFunction;
    sel->function.keyspace = "system";
    sel->function.name = "_negate";
    for (const auto& [symbol, name] : kNames) {
      if (symbol == op) sel->function.name = name;
    }
    sel->text = right == nullptr ? "-" + left->text
                                 : fmt::format("{} {} {}", left->text, op, right->text);
    BoundName(sel->text);
    sel->args.push_back(std::move(left));
    if (right != nullptr) sel->args.push_back(std::move(right));
    return sel;
  }

  // The arguments of a function selector after its "(", through the ")": appended to sel.args;
  // returns their texts joined by ", " for the column name (capped near kMaxIdentifierBytes).
  Result<std::string> ParseSelectorArguments(Selector& sel) {
    std::string args_text;
    if (!IsSymbol(")")) {
      do {
        ASSIGN_OR_RETURN(SelectorPtr arg, ParseSelectorExpression());
        if (args_text.size() <= kMaxIdentifierBytes) {
          args_text += (args_text.empty() ? "" : ", ") + arg->text;
        }
        sel.args.push_back(std::move(arg));
      } while (AcceptSymbol(","));
    }
    RETURN_IF_ERROR(ExpectSymbol(")"));
    return args_text;
  }

  Result<SelectorPtr> ParseSelectorExpression() {
    return ParseOperatorLevel<SelectorPtr>(
        "+-", [this] { return ParseSelectorProduct(); }, OperationSelector, [] { return true; });
  }

  Result<SelectorPtr> ParseSelectorProduct() {
    return ParseOperatorLevel<SelectorPtr>(
        "*/%", [this] { return ParseSelectorGroup(); }, OperationSelector, [] { return true; });
  }

  // Only the branches that recurse here (not through ParseUnaliasedSelector) open a level.
  Result<SelectorPtr> ParseSelectorGroup() {
    if (IsSymbol("-") && !IsKeyword(Ahead(1), "infinity") && !IsKeyword(Ahead(1), "nan")) {
      Level level(depth_);
      if (level.exceeded()) return TooDeep();
      Advance();
      ASSIGN_OR_RETURN(SelectorPtr operand, ParseSelectorGroup());
      if (operand->kind == Selector::Kind::kTerm && operand->term != nullptr) {
        if (const auto* lit = std::get_if<Literal>(&operand->term->value);
            lit != nullptr && (lit->kind == types::LiteralKind::kInteger ||
                               lit->kind == types::LiteralKind::kFloat)) {
          auto negative = std::make_shared<Selector>(*operand);
          negative->term = MakeTerm(
              Literal{lit->kind, lit->text[0] == '-' ? lit->text.substr(1) : "-" + lit->text});
          negative->text = "-" + operand->text;
          return SelectorPtr(negative);
        }
      }
      return OperationSelector('n', std::move(operand), nullptr);
    }
    const bool name_here = Cur().kind == TokenKind::kIdent || Cur().kind == TokenKind::kQuotedIdent;
    if (name_here && Ahead(1).kind == TokenKind::kSymbol && Ahead(1).text == "." &&
        (Ahead(2).kind == TokenKind::kIdent || Ahead(2).kind == TokenKind::kQuotedIdent) &&
        Ahead(3).kind == TokenKind::kSymbol && Ahead(3).text == "(") {
      Level level(depth_);
      if (level.exceeded()) return TooDeep();
      auto sel = std::make_shared<Selector>();
      sel->kind = Selector::Kind::kFunction;
      sel->function.keyspace = Cur().text;
      Advance();
      Advance();  // .
      sel->function.name = Cur().text;
      Advance();
      Advance();  // (
      ASSIGN_OR_RETURN(std::string args_text, ParseSelectorArguments(*sel));
      sel->text = fmt::format("{}.{}({})", sel->function.keyspace, sel->function.name, args_text);
      BoundName(sel->text);
      return ParseSelectorModifiers(sel);  // f(x).field (selectorModifier, issue 13)
    }
    const bool type_hint = Ahead(1).kind == TokenKind::kIdent && IsNativeTypeName(Ahead(1).text) &&
                           Ahead(2).kind == TokenKind::kSymbol &&
                           (Ahead(2).text == ")" || Ahead(2).text == "<");
    if (IsSymbol("(") && !type_hint) {
      // (a + b): a nested selector; anything else in parentheses is a tuple term.
      Level level(depth_);
      if (level.exceeded()) return TooDeep();
      const size_t save = pos_;
      const size_t markers = markers_.size();
      Advance();
      auto inner = ParseSelectorExpression();
      if (inner.ok() && IsSymbol(")")) {
        Advance();
        return ParseSelectorModifiers(*inner);  // (u).field (selectorModifier, issue 13)
      }
      pos_ = save;
      markers_.resize(markers);
    }
    return ParseUnaliasedSelector();
  }

  Result<SelectorPtr> ParseSelector() {
    size_t start = pos_;
    ASSIGN_OR_RETURN(SelectorPtr sel, ParseSelectorExpression());
    auto copy = std::make_shared<Selector>(*sel);
    if (copy->text.empty()) copy->text = SourceText(start, pos_);
    if (AcceptKeyword("as")) {
      ASSIGN_OR_RETURN(copy->alias, Ident());
    } else if (copy->text.size() > kMaxIdentifierBytes) {
      return Error(tokens_[start],
                   fmt::format("selector too long to name its result column ({}+ bytes; the "
                               "limit is {}): give it a shorter alias with AS",
                               copy->text.size(), kMaxIdentifierBytes));
    }
    return SelectorPtr(std::move(copy));
  }

  // The tokens [from, to) as written, stopping just past kMaxIdentifierBytes (see BoundName).
  std::string SourceText(size_t from, size_t to) const {
    std::string out;
    for (size_t i = from; i < to && out.size() <= kMaxIdentifierBytes; ++i) {
      out += tokens_[i].kind == TokenKind::kIdent ? tokens_[i].text : tokens_[i].raw;
    }
    BoundName(out);
    return out;
  }

  Result<SelectorPtr> ParseUnaliasedSelector() {
    Level level(depth_);
    if (level.exceeded()) return TooDeep();
    auto sel = std::make_shared<Selector>();
    const Token& t = Cur();
    bool call = (t.kind == TokenKind::kIdent || t.kind == TokenKind::kQuotedIdent) &&
                Ahead(1).kind == TokenKind::kSymbol && Ahead(1).text == "(";
    if (call) {
      std::string name = t.text;
      Advance();
      Advance();  // (
      if (name == "count" && AcceptSymbol("*")) {
        RETURN_IF_ERROR(ExpectSymbol(")"));
        sel->kind = Selector::Kind::kFunction;
        sel->function.name = "count";
        sel->count_star = true;
        sel->text = "count";
        return ParseSelectorModifiers(sel);  // selectorModifier (issue 13)
      }
      if (name == "count" && Cur().kind == TokenKind::kInteger && Cur().text == "1" &&
          Ahead(1).kind == TokenKind::kSymbol && Ahead(1).text == ")") {
        Advance();
        Advance();
        sel->kind = Selector::Kind::kFunction;
        sel->function.name = "count";
        sel->count_star = true;
        sel->text = "count";
        return ParseSelectorModifiers(sel);  // selectorModifier (issue 13)
      }
      if (name == "writetime" || name == "ttl") {
        sel->kind = name == "ttl" ? Selector::Kind::kTtl : Selector::Kind::kWritetime;
        ASSIGN_OR_RETURN(sel->column, Ident());
        std::string inner_text = sel->column;
        if (IsSymbol("[") || IsSymbol(".")) {
          // Cassandra 5.0's selectorModifier inside WRITETIME/TTL (CASSANDRA-8877):
          // writetime(m['k']), ttl(u.f). args[0] is the element or field selection.
          auto column = std::make_shared<Selector>();
          column->kind = Selector::Kind::kColumn;
          column->column = sel->column;
          column->text = sel->column;
          ASSIGN_OR_RETURN(SelectorPtr inner, ParseSelectorModifiers(column));
          inner_text = inner->text;
          sel->args.push_back(std::move(inner));
        }
        RETURN_IF_ERROR(ExpectSymbol(")"));
        sel->text = fmt::format("{}({})", name, inner_text);
        BoundName(sel->text);
        return ParseSelectorModifiers(sel);  // selectorModifier (issue 13)
      }
      if (name == "cast") {
        sel->kind = Selector::Kind::kCast;
        ASSIGN_OR_RETURN(SelectorPtr arg, ParseSelectorExpression());
        sel->args.push_back(std::move(arg));
        RETURN_IF_ERROR(ExpectKeyword("as"));
        ASSIGN_OR_RETURN(sel->cast_type, Type());
        RETURN_IF_ERROR(ExpectSymbol(")"));
        sel->text = fmt::format("cast({} as {})", sel->args[0]->text, sel->cast_type.ToString());
        BoundName(sel->text);
        return ParseSelectorModifiers(sel);  // selectorModifier (issue 13)
      }
      sel->kind = Selector::Kind::kFunction;
      sel->function.name = name;
      ASSIGN_OR_RETURN(std::string args_text, ParseSelectorArguments(*sel));
      sel->text = fmt::format("system.{}({})", name, args_text);
      BoundName(sel->text);
      // Cassandra 4.1's Parser.g applies selectorModifier (.field, [element]) to any selector,
      // a function call's result included: max(b).x (issue 13).
      return ParseSelectorModifiers(sel);
    }
    if ((t.kind == TokenKind::kIdent && !Reserved().count(t.text) && t.text != "true" &&
         t.text != "false" && t.text != "null") ||
        t.kind == TokenKind::kQuotedIdent) {
      sel->kind = Selector::Kind::kColumn;
      ASSIGN_OR_RETURN(sel->column, Ident());
      sel->text = sel->column;
      return ParseSelectorModifiers(sel);
    }
    sel->kind = Selector::Kind::kTerm;
    size_t start = pos_;
    ASSIGN_OR_RETURN(sel->term, ParseSimpleTerm());  // operators belong to the selector (issue 13)
    sel->text = SourceText(start, pos_);
    return SelectorPtr(sel);
  }

  // selectorModifier of Cassandra 4.1's Parser.g, any number after a column: `.field` (a UDT
  // field) and `[t]` / `[a..b]` / `[a..]` / `[..b]` (collection element and slice selection,
  // issue 11). Each modifier nests the selector one level, bounded like every other nesting.
  Result<SelectorPtr> ParseSelectorModifiers(SelectorPtr receiver) {
    int modifiers = 0;
    while (IsSymbol(".") || IsSymbol("[")) {
      if (depth_ + ++modifiers > types::kMaxNestingDepth) return TooDeep();
      auto sel = std::make_shared<Selector>();
      sel->args.push_back(receiver);
      if (AcceptSymbol(".")) {
        sel->kind = Selector::Kind::kField;
        ASSIGN_OR_RETURN(sel->field, Ident());
        sel->text = receiver->text + "." + sel->field;
      } else {
        Advance();  // [
        sel->kind = Selector::Kind::kElement;
        std::string from_text;
        std::string to_text;
        if (!IsSymbol("..")) {
          size_t start = pos_;
          ASSIGN_OR_RETURN(sel->term, ParseTerm());
          from_text = SubscriptText(start, pos_);
        }
        if (AcceptSymbol("..")) {
          sel->kind = Selector::Kind::kSlice;
          // c[..b] needs b; c[a..] may end here (collectionSubSelection).
          if (sel->term == nullptr || !IsSymbol("]")) {
            size_t start = pos_;
            ASSIGN_OR_RETURN(sel->slice_end, ParseTerm());
            to_text = SubscriptText(start, pos_);
          }
        }
        RETURN_IF_ERROR(ExpectSymbol("]"));
        // Selectable.WithElementSelection / WithSliceSelection.toString: "m['k']", "s[1..]".
        sel->text = receiver->text + "[" + from_text +
                    (sel->kind == Selector::Kind::kSlice ? ".." + to_text : "") + "]";
        BoundName(sel->text);
      }
      receiver = std::move(sel);
    }
    return receiver;
  }

  // A term inside a selector's brackets as Cassandra's Term.Raw.getText writes it: strings
  // quoted with their text unescaped ('it's'), every bind marker as ?, the rest as written.
  std::string SubscriptText(size_t from, size_t to) const {
    std::string out;
    for (size_t i = from; i < to && out.size() <= kMaxIdentifierBytes; ++i) {
      const Token& t = tokens_[i];
      if (t.kind == TokenKind::kString) {
        out += "'" + t.text + "'";
      } else if (t.kind == TokenKind::kMarker || t.kind == TokenKind::kNamedMarker) {
        out += "?";
      } else if (t.kind == TokenKind::kSymbol && t.text == ",") {
        out += ", ";
      } else {
        out += t.kind == TokenKind::kIdent ? t.text : t.raw;
      }
    }
    BoundName(out);
    return out;
  }

  Result<Body> ParseInsert() {
    Advance();  // INSERT
    RETURN_IF_ERROR(ExpectKeyword("into"));
    InsertStatement s;
    ASSIGN_OR_RETURN(s.table, QName());
    if (AcceptKeyword("json")) {
      s.json = true;
      ASSIGN_OR_RETURN(TermPtr json, ParseTerm());
      s.values.push_back(std::move(json));
      if (AcceptKeyword("default")) {
        if (AcceptKeyword("unset")) {
          s.default_unset = true;
        } else {
          RETURN_IF_ERROR(ExpectKeyword("null"));
        }
      }
    } else {
      RETURN_IF_ERROR(ExpectSymbol("("));
      do {
        ASSIGN_OR_RETURN(std::string c, Ident());
        s.columns.push_back(std::move(c));
      } while (AcceptSymbol(","));
      RETURN_IF_ERROR(ExpectSymbol(")"));
      RETURN_IF_ERROR(ExpectKeyword("values"));
      RETURN_IF_ERROR(ExpectSymbol("("));
      do {
        ASSIGN_OR_RETURN(TermPtr v, ParseTerm());
        s.values.push_back(std::move(v));
      } while (AcceptSymbol(","));
      RETURN_IF_ERROR(ExpectSymbol(")"));
    }
    if (AcceptKeyword("if")) {
      RETURN_IF_ERROR(ExpectKeyword("not"));
      RETURN_IF_ERROR(ExpectKeyword("exists"));
      s.conditions.if_not_exists = true;
    }
    RETURN_IF_ERROR(ParseUsing(s.using_clause, true));
    return Body(std::move(s));
  }

  Result<Assignment> ParseAssignment() {
    Assignment a;
    ASSIGN_OR_RETURN(a.column, Ident());
    if (AcceptSymbol("[")) {
      a.kind = Assignment::Kind::kSetElement;
      ASSIGN_OR_RETURN(a.key, ParseTerm());
      RETURN_IF_ERROR(ExpectSymbol("]"));
      RETURN_IF_ERROR(ExpectSymbol("="));
      ASSIGN_OR_RETURN(a.value, ParseTerm());
      return a;
    }
    if (AcceptSymbol(".")) {
      a.kind = Assignment::Kind::kSetField;
      ASSIGN_OR_RETURN(a.field, Ident());
      RETURN_IF_ERROR(ExpectSymbol("="));
      ASSIGN_OR_RETURN(a.value, ParseTerm());
      return a;
    }
    if (AcceptSymbol("+=")) {
      a.kind = Assignment::Kind::kAdd;
      ASSIGN_OR_RETURN(a.value, ParseTerm());
      return a;
    }
    if (AcceptSymbol("-=")) {
      a.kind = Assignment::Kind::kSubtract;
      ASSIGN_OR_RETURN(a.value, ParseTerm());
      return a;
    }
    RETURN_IF_ERROR(ExpectSymbol("="));
    // c = c + x / c = c - x
    if ((Cur().kind == TokenKind::kIdent || Cur().kind == TokenKind::kQuotedIdent) &&
        Cur().text == a.column && Ahead(1).kind == TokenKind::kSymbol &&
        (Ahead(1).text == "+" || Ahead(1).text == "-")) {
      Advance();
      a.kind = Cur().text == "+" ? Assignment::Kind::kAdd : Assignment::Kind::kSubtract;
      Advance();
      ASSIGN_OR_RETURN(a.value, ParseTerm());
      return a;
    }
    ASSIGN_OR_RETURN(a.value, ParseTerm());
    if (AcceptSymbol("+")) {
      // c = x + c (prepend)
      ASSIGN_OR_RETURN(std::string same, Ident());
      if (same != a.column) {
        return Error(tokens_[pos_ - 1], fmt::format("Only expressions of the form X = <value> + X are supported."));
      }
      a.kind = Assignment::Kind::kPrepend;
    }
    return a;
  }

  Result<Body> ParseUpdate() {
    Advance();  // UPDATE
    UpdateStatement s;
    ASSIGN_OR_RETURN(s.table, QName());
    RETURN_IF_ERROR(ParseUsing(s.using_clause, true));
    RETURN_IF_ERROR(ExpectKeyword("set"));
    do {
      ASSIGN_OR_RETURN(Assignment a, ParseAssignment());
      s.assignments.push_back(std::move(a));
    } while (AcceptSymbol(","));
    RETURN_IF_ERROR(ExpectKeyword("where"));
    ASSIGN_OR_RETURN(s.where, ParseWhere());
    if (AcceptKeyword("if")) RETURN_IF_ERROR(ParseConditions(s.conditions));
    return Body(std::move(s));
  }

  Result<Body> ParseDelete() {
    Advance();  // DELETE
    DeleteStatement s;
    if (!IsKeyword("from")) {
      do {
        DeleteTarget target;
        ASSIGN_OR_RETURN(target.column, Ident());
        if (AcceptSymbol("[")) {
          ASSIGN_OR_RETURN(target.key, ParseTerm());
          RETURN_IF_ERROR(ExpectSymbol("]"));
        } else if (AcceptSymbol(".")) {
          ASSIGN_OR_RETURN(target.field, Ident());
        }
        s.columns.push_back(std::move(target));
      } while (AcceptSymbol(","));
    }
    RETURN_IF_ERROR(ExpectKeyword("from"));
    ASSIGN_OR_RETURN(s.table, QName());
    RETURN_IF_ERROR(ParseUsing(s.using_clause, false));
    RETURN_IF_ERROR(ExpectKeyword("where"));
    ASSIGN_OR_RETURN(s.where, ParseWhere());
    if (AcceptKeyword("if")) RETURN_IF_ERROR(ParseConditions(s.conditions));
    return Body(std::move(s));
  }

  Result<Body> ParseBatch() {
    Advance();  // BEGIN
    BatchStatement b;
    if (AcceptKeyword("unlogged")) {
      b.type = BatchStatement::Type::kUnlogged;
    } else if (AcceptKeyword("counter")) {
      b.type = BatchStatement::Type::kCounter;
    } else {
      AcceptKeyword("logged");
    }
    RETURN_IF_ERROR(ExpectKeyword("batch"));
    RETURN_IF_ERROR(ParseUsing(b.using_clause, true));
    while (!IsKeyword("apply")) {
      if (Cur().kind == TokenKind::kEof) return Mismatch("K_APPLY");
      Body inner;
      if (IsKeyword("insert")) {
        ASSIGN_OR_RETURN(inner, ParseInsert());
      } else if (IsKeyword("update")) {
        ASSIGN_OR_RETURN(inner, ParseUpdate());
      } else if (IsKeyword("delete")) {
        ASSIGN_OR_RETURN(inner, ParseDelete());
      } else {
        return NoViable();
      }
      auto stmt = std::make_shared<Statement>();
      stmt->body = std::move(inner);
      b.statements.push_back(std::move(stmt));
      AcceptSymbol(";");
    }
    Advance();  // APPLY
    RETURN_IF_ERROR(ExpectKeyword("batch"));
    return Body(std::move(b));
  }

  Result<Body> ParseCreate() {
    Advance();  // CREATE
    if (AcceptKeyword("keyspace") || AcceptKeyword("schema")) {
      CreateKeyspaceStatement s;
      if (AcceptKeyword("if")) {
        RETURN_IF_ERROR(ExpectKeyword("not"));
        RETURN_IF_ERROR(ExpectKeyword("exists"));
        s.if_not_exists = IfNotExists::kYes;
      }
      ASSIGN_OR_RETURN(s.keyspace, Ident());
      RETURN_IF_ERROR(ExpectKeyword("with"));
      do {
        RETURN_IF_ERROR(ParseProperty(s.properties));
      } while (AcceptKeyword("and"));
      return Body(std::move(s));
    }
    if (AcceptKeyword("table") || AcceptKeyword("columnfamily")) return ParseCreateTable();
    if (IsKeyword("or") && IsKeyword(Ahead(1), "replace")) {
      Advance();
      Advance();
      return Refuse("CREATE OR REPLACE " + Upper(Cur().text));
    }
    if (IsKeyword("custom")) return Refuse("CREATE CUSTOM INDEX");
    if (IsKeyword("materialized")) return Refuse("CREATE MATERIALIZED VIEW");
    if (AcceptKeyword("type")) return ParseCreateType();
    static const std::set<std::string> kOthers = {"index", "function", "aggregate",
                                                  "trigger", "role", "user"};
    if (Cur().kind == TokenKind::kIdent && kOthers.count(Cur().text)) {
      return Refuse("CREATE " + Upper(Cur().text));
    }
    return NoViable();
  }

  Status ParseColumnDefinitionOrKey(CreateTableStatement& s) {
    if (IsKeyword("primary")) {
      Advance();
      RETURN_IF_ERROR(ExpectKeyword("key"));
      RETURN_IF_ERROR(ExpectSymbol("("));
      if (!s.partition_key.empty()) {
        return Error(Cur(), "Multiple PRIMARY KEYs specifed (exactly one required)");
      }
      if (AcceptSymbol("(")) {
        do {
          ASSIGN_OR_RETURN(std::string c, Ident());
          s.partition_key.push_back(std::move(c));
        } while (AcceptSymbol(","));
        RETURN_IF_ERROR(ExpectSymbol(")"));
      } else {
        ASSIGN_OR_RETURN(std::string c, Ident());
        s.partition_key.push_back(std::move(c));
      }
      while (AcceptSymbol(",")) {
        ASSIGN_OR_RETURN(std::string c, Ident());
        s.clustering_key.push_back(std::move(c));
      }
      return ExpectSymbol(")");
    }
    ColumnDefinition def;
    ASSIGN_OR_RETURN(def.name, Ident());
    ASSIGN_OR_RETURN(def.type, Type());
    if (AcceptKeyword("static")) def.is_static = true;
    if (AcceptKeyword("primary")) {
      RETURN_IF_ERROR(ExpectKeyword("key"));
      def.primary_key = true;
    }
    s.columns.push_back(std::move(def));
    return Status::OK();
  }

  Result<Body> ParseCreateTable() {
    CreateTableStatement s;
    if (AcceptKeyword("if")) {
      RETURN_IF_ERROR(ExpectKeyword("not"));
      RETURN_IF_ERROR(ExpectKeyword("exists"));
      s.if_not_exists = IfNotExists::kYes;
    }
    ASSIGN_OR_RETURN(s.table, QName());
    RETURN_IF_ERROR(ExpectSymbol("("));
    // Cql.g cfamDefinition: '(' cfamColumns ( ',' cfamColumns? )* ')': a trailing comma is
    // allowed but the first column definition is not optional, so `CREATE TABLE t ()` is a
    // SyntaxException (no viable alternative at ')') in Cassandra 4.1 (issue 10 item 18).
    if (IsSymbol(")")) return NoViable();
    do {
      if (IsSymbol(")")) break;  // trailing comma
      RETURN_IF_ERROR(ParseColumnDefinitionOrKey(s));
    } while (AcceptSymbol(","));
    RETURN_IF_ERROR(ExpectSymbol(")"));
    if (AcceptKeyword("with")) {
      do {
        if (IsKeyword("clustering") && IsKeyword(Ahead(1), "order")) {
          Advance();
          Advance();
          RETURN_IF_ERROR(ExpectKeyword("by"));
          RETURN_IF_ERROR(ExpectSymbol("("));
          do {
            ClusteringOrder o;
            ASSIGN_OR_RETURN(o.column, Ident());
            if (AcceptKeyword("desc")) {
              o.descending = true;
            } else if (!AcceptKeyword("asc")) {
              return Mismatch("K_ASC or K_DESC");
            }
            s.clustering_order.push_back(std::move(o));
          } while (AcceptSymbol(","));
          RETURN_IF_ERROR(ExpectSymbol(")"));
        } else if (IsKeyword("compact") && IsKeyword(Ahead(1), "storage")) {
          Advance();
          Advance();
          s.compact_storage = true;
        } else {
          RETURN_IF_ERROR(ParseProperty(s.properties));
        }
      } while (AcceptKeyword("and"));
    }
    return Body(std::move(s));
  }

  Result<Body> ParseAlter() {
    Advance();  // ALTER
    if (AcceptKeyword("keyspace") || AcceptKeyword("schema")) {
      AlterKeyspaceStatement s;
      ASSIGN_OR_RETURN(s.keyspace, Ident());
      if (AcceptKeyword("add")) {
        RETURN_IF_ERROR(ExpectKeyword("tags"));
        ASSIGN_OR_RETURN(s.add_tags, ParseTerm());
      } else if (AcceptKeyword("drop")) {
        RETURN_IF_ERROR(ExpectKeyword("tags"));
        ASSIGN_OR_RETURN(s.drop_tags, ParseTerm());
      } else {
        RETURN_IF_ERROR(ExpectKeyword("with"));
        do {
          RETURN_IF_ERROR(ParseProperty(s.properties));
        } while (AcceptKeyword("and"));
      }
      return Body(std::move(s));
    }
    if (AcceptKeyword("table") || AcceptKeyword("columnfamily")) {
      AlterTableStatement s;
      ASSIGN_OR_RETURN(s.table, QName());
      using Kind = AlterTableStatement::Kind;
      if (AcceptKeyword("add")) {
        // ADD TAGS {...} (Keyspaces) vs ADD tags set<text>: a column may be named tags (issue 11).
        if (IsKeyword("tags") && Ahead(1).kind == TokenKind::kSymbol && Ahead(1).text == "{") {
          Advance();
          s.kind = Kind::kAddTags;
          ASSIGN_OR_RETURN(s.tags, ParseTerm());
          return Body(std::move(s));
        }
        s.kind = Kind::kAdd;
        bool parens = AcceptSymbol("(");
        do {
          ColumnDefinition def;
          ASSIGN_OR_RETURN(def.name, Ident());
          ASSIGN_OR_RETURN(def.type, Type());
          if (AcceptKeyword("static")) def.is_static = true;
          s.added.push_back(std::move(def));
        } while (parens && AcceptSymbol(","));
        if (parens) RETURN_IF_ERROR(ExpectSymbol(")"));
      } else if (AcceptKeyword("drop")) {
        if (IsKeyword("tags") && Ahead(1).kind == TokenKind::kSymbol && Ahead(1).text == "{") {
          Advance();
          s.kind = Kind::kDropTags;
          ASSIGN_OR_RETURN(s.tags, ParseTerm());
          return Body(std::move(s));
        }
        s.kind = Kind::kDrop;
        bool parens = AcceptSymbol("(");
        do {
          ASSIGN_OR_RETURN(std::string c, Ident());
          s.dropped.push_back(std::move(c));
        } while (parens && AcceptSymbol(","));
        if (parens) RETURN_IF_ERROR(ExpectSymbol(")"));
        if (IsKeyword("using")) return Error(Cur(), "unsupported: DROP ... USING TIMESTAMP");
      } else if (AcceptKeyword("rename")) {
        s.kind = Kind::kRename;
        do {
          ASSIGN_OR_RETURN(std::string from, Ident());
          RETURN_IF_ERROR(ExpectKeyword("to"));
          ASSIGN_OR_RETURN(std::string to, Ident());
          s.renames.emplace_back(std::move(from), std::move(to));
        } while (AcceptKeyword("and"));
      } else if (AcceptKeyword("with")) {
        s.kind = Kind::kWith;
        do {
          RETURN_IF_ERROR(ParseProperty(s.properties));
        } while (AcceptKeyword("and"));
      } else if (AcceptKeyword("alter")) {
        s.kind = Kind::kAlterType;
        ASSIGN_OR_RETURN(s.altered_column, Ident());
        RETURN_IF_ERROR(ExpectKeyword("type"));
        ASSIGN_OR_RETURN(s.altered_type, Type());
      } else {
        return NoViable();
      }
      return Body(std::move(s));
    }
    if (AcceptKeyword("type")) return ParseAlterType();
    if (Cur().kind == TokenKind::kIdent &&
        (Cur().text == "materialized" || Cur().text == "role" || Cur().text == "user")) {
      return Refuse("ALTER " + Upper(Cur().text));
    }
    return NoViable();
  }

  // ---- user-defined types (issue 11; Cassandra 4.1 Parser.g createTypeStatement,
  // alterTypeStatement, dropTypeStatement) ----------------------------------------------------

  // userTypeName: (ks '.')? non_type_ident. A native type's name is not an identifier there, and
  // Parser.g reserves a few future type names.
  Result<QualifiedName> UserTypeName() {
    auto non_type_ident = [&]() -> Result<std::string> {
      if (Cur().kind == TokenKind::kIdent && IsNativeTypeName(Cur().text)) return NoViable();
      static const std::set<std::string> kReservedTypeNames = {
          "byte", "complex", "enum", "date", "interval", "macaddr", "bitstring"};
      if (Cur().kind == TokenKind::kIdent && kReservedTypeNames.count(Cur().text)) {
        return Error(Cur(), "Invalid (reserved) user type name " + Cur().text);
      }
      if (Cur().kind == TokenKind::kQuotedIdent && Cur().text.empty()) return NoViable();
      return Ident();
    };
    QualifiedName q;
    if ((Cur().kind == TokenKind::kIdent || Cur().kind == TokenKind::kQuotedIdent) &&
        Ahead(1).kind == TokenKind::kSymbol && Ahead(1).text == ".") {
      ASSIGN_OR_RETURN(q.keyspace, Ident());
      Advance();  // .
    }
    ASSIGN_OR_RETURN(q.name, non_type_ident());
    return q;
  }

  // A field name (fident): an identifier, never empty.
  Result<std::string> FieldName() {
    if (Cur().kind == TokenKind::kQuotedIdent && Cur().text.empty()) return NoViable();
    return Ident();
  }

  Result<Body> ParseCreateType() {
    CreateTypeStatement s;
    if (AcceptKeyword("if")) {
      RETURN_IF_ERROR(ExpectKeyword("not"));
      RETURN_IF_ERROR(ExpectKeyword("exists"));
      s.if_not_exists = IfNotExists::kYes;
    }
    ASSIGN_OR_RETURN(s.name, UserTypeName());
    RETURN_IF_ERROR(ExpectSymbol("("));
    // typeColumns ( ',' typeColumns? )*: a trailing comma is allowed.
    do {
      if (!s.fields.empty() && IsSymbol(")")) break;
      ASSIGN_OR_RETURN(std::string field, FieldName());
      ASSIGN_OR_RETURN(TypeName type, Type());
      s.fields.emplace_back(std::move(field), std::move(type));
    } while (AcceptSymbol(","));
    RETURN_IF_ERROR(ExpectSymbol(")"));
    return Body(std::move(s));
  }

  Result<Body> ParseAlterType() {
    AlterTypeStatement s;
    if (IsKeyword("if") && IsKeyword(Ahead(1), "exists")) {
      Advance();
      Advance();
      s.if_exists = true;
    }
    ASSIGN_OR_RETURN(s.name, UserTypeName());
    using Kind = AlterTypeStatement::Kind;
    if (AcceptKeyword("add")) {
      s.kind = Kind::kAdd;
      if (IsKeyword("if") && IsKeyword(Ahead(1), "not")) {
        Advance();
        Advance();
        RETURN_IF_ERROR(ExpectKeyword("exists"));
        s.if_field_not_exists = true;
      }
      ASSIGN_OR_RETURN(s.field, FieldName());
      ASSIGN_OR_RETURN(s.field_type, Type());
    } else if (AcceptKeyword("rename")) {
      s.kind = Kind::kRename;
      if (IsKeyword("if") && IsKeyword(Ahead(1), "exists")) {
        Advance();
        Advance();
        s.if_field_exists = true;
      }
      do {
        ASSIGN_OR_RETURN(std::string from, FieldName());
        RETURN_IF_ERROR(ExpectKeyword("to"));
        ASSIGN_OR_RETURN(std::string to, FieldName());
        s.renames.emplace_back(std::move(from), std::move(to));
      } while (AcceptKeyword("and"));
    } else if (AcceptKeyword("alter")) {
      s.kind = Kind::kAlter;
      ASSIGN_OR_RETURN(s.field, FieldName());
      RETURN_IF_ERROR(ExpectKeyword("type"));
      ASSIGN_OR_RETURN(s.field_type, Type());
    } else {
      return NoViable();
    }
    return Body(std::move(s));
  }

  Result<Body> ParseDrop() {
    Advance();  // DROP
    bool keyspace = AcceptKeyword("keyspace") || AcceptKeyword("schema");
    bool table = !keyspace && (AcceptKeyword("table") || AcceptKeyword("columnfamily"));
    if (!keyspace && !table && AcceptKeyword("type")) {
      DropTypeStatement s;
      if (AcceptKeyword("if")) {
        RETURN_IF_ERROR(ExpectKeyword("exists"));
        s.if_exists = IfExists::kYes;
      }
      ASSIGN_OR_RETURN(s.name, UserTypeName());
      return Body(std::move(s));
    }
    if (!keyspace && !table) {
      static const std::set<std::string> kOthers = {"index", "function", "aggregate",
                                                    "trigger", "role", "user", "materialized"};
      if (Cur().kind == TokenKind::kIdent && kOthers.count(Cur().text)) {
        return Refuse("DROP " + Upper(Cur().text));
      }
      return NoViable();
    }
    IfExists if_exists = IfExists::kNo;
    if (AcceptKeyword("if")) {
      RETURN_IF_ERROR(ExpectKeyword("exists"));
      if_exists = IfExists::kYes;
    }
    if (keyspace) {
      DropKeyspaceStatement s;
      s.if_exists = if_exists;
      ASSIGN_OR_RETURN(s.keyspace, Ident());
      return Body(std::move(s));
    }
    DropTableStatement s;
    s.if_exists = if_exists;
    ASSIGN_OR_RETURN(s.table, QName());
    return Body(std::move(s));
  }

  std::vector<Token> tokens_;
  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;  // open nesting levels (Level)
  std::vector<BindMarker> markers_;
};

}  // namespace

std::string TypeName::ToString() const {
  if (params.empty()) return name;
  std::string out = name + "<";
  for (size_t i = 0; i < params.size(); ++i) out += (i ? ", " : "") + params[i].ToString();
  return out + ">";
}

Result<std::shared_ptr<const Statement>> ParseStatement(std::string_view text) {
  ASSIGN_OR_RETURN(auto tokens, Tokenize(text));
  if (tokens.size() == 1) {
    return SyntaxError("line 1:0 no viable alternative at input '<EOF>'");
  }
  return Parser(std::move(tokens), text).ParseAll();
}

}  // namespace sibyl::cql::parser
