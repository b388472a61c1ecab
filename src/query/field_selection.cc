#include "query/field_selection.h"

#include <fmt/format.h>

#include <algorithm>

#include "query/functions/expression.h"

namespace sibyl::query {

Result<std::shared_ptr<const FieldSelection>> FieldSelection::Prepare(
    const parser::Selector& selector, const schema::TableMetadata& table) {
  // Walk down to the column: the steps come outermost first.
  std::vector<const parser::Selector*> steps;
  const parser::Selector* s = &selector;
  while (s->kind == parser::Selector::Kind::kField) {
    if (s->args.size() != 1 || s->args[0] == nullptr) return InternalError("malformed selector");
    steps.push_back(s);
    s = s->args[0].get();
  }
  if (s->kind != parser::Selector::Kind::kColumn) {
    // Issue 13: a field of another selector's result (max(b).x), which Cassandra 4.1's grammar
    // allows (selectorModifier); Selectable.WithFieldSelection refuses a result that is not a
    // UDT. No native function of 4.1 returns a UDT in a selection (max/min of a UDT are the blob
    // overloads), so the refusal is the answer; a UDT result would be "unsupported".
    BindSpecs scratch;
    std::string name;
    ASSIGN_OR_RETURN(auto base, functions::PrepareSelectorExpression(*s, table, scratch, &name));
    if (base->type.kind() != types::Kind::kUdt) {
      return InvalidRequest(fmt::format("Invalid field selection: {} of type {} is not a user type",
                                        name, base->type.ToCql()));
    }
    return Unsupported("field selection of " + s->text);
  }
  auto out = std::make_shared<FieldSelection>();
  out->column_ = table.FindColumn(s->column);
  if (out->column_ == nullptr) return InvalidRequest("Undefined column name " + s->column);
  types::Type type = out->column_->type;
  std::string selected = s->column;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    const parser::Selector& step = **it;
    if (type.kind() != types::Kind::kUdt) {
      return InvalidRequest(fmt::format("Invalid field selection: {} of type {} is not a user type",
                                        selected, type.ToCql()));
    }
    const auto& names = type.udt_field_names();
    auto pos = std::find(names.begin(), names.end(), step.field);
    if (pos == names.end() || static_cast<size_t>(pos - names.begin()) >= type.params().size()) {
      return InvalidRequest(
          fmt::format("{} of type {} has no field {}", selected, type.ToCql(), step.field));
    }
    const size_t index = static_cast<size_t>(pos - names.begin());
    out->path_.push_back(index);
    type = type.params()[index];
    selected = step.text;
  }
  out->type_ = std::move(type);
  return std::shared_ptr<const FieldSelection>(std::move(out));
}

types::Value FieldSelection::Apply(const types::Value& column_value) const {
  types::Value v = column_value;
  for (size_t index : path_) {
    if (!v) return std::nullopt;
    v = UserTypeField(*v, index);
  }
  return v;
}

types::Value UserTypeField(std::string_view value, size_t index) {
  size_t pos = 0;
  for (size_t i = 0;; ++i) {
    if (pos == value.size() || value.size() - pos < 4) return std::nullopt;
    const auto* p = reinterpret_cast<const unsigned char*>(value.data() + pos);
    const int32_t len = static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                                             (uint32_t{p[2]} << 8) | uint32_t{p[3]});
    pos += 4;
    if (len >= 0 && value.size() - pos < static_cast<size_t>(len)) return std::nullopt;
    if (i == index) {
      if (len < 0) return std::nullopt;
      return std::string(value.substr(pos, static_cast<size_t>(len)));
    }
    if (len > 0) pos += static_cast<size_t>(len);
  }
}

}  // namespace sibyl::query
