#include "query/collection_selection.h"

#include <fmt/format.h>

#include "cql/types/collection_access.h"

namespace sibyl::query {

using parser::Selector;

namespace {

bool IsStep(const Selector& s) {
  return s.kind == Selector::Kind::kElement || s.kind == Selector::Kind::kSlice ||
         s.kind == Selector::Kind::kField;
}

// The field at `index` of a serialized UDT: null when null, absent (written before the field
// was added) or unreadable.
types::Value FieldOf(std::string_view b, size_t index) {
  size_t pos = 0;
  for (size_t i = 0;; ++i) {
    if (b.size() - pos < 4) return std::nullopt;
    uint32_t len = 0;
    for (size_t j = 0; j < 4; ++j) len = (len << 8) | static_cast<uint8_t>(b[pos + j]);
    pos += 4;
    const int32_t n = static_cast<int32_t>(len);
    if (n >= 0 && b.size() - pos < static_cast<size_t>(n)) return std::nullopt;
    if (i == index) return n < 0 ? types::Value() : types::Value(std::string(b.substr(pos, n)));
    if (n > 0) pos += static_cast<size_t>(n);
  }
}

}  // namespace

bool CollectionSelection::Handles(const parser::Selector& selector) {
  for (const Selector* cur = &selector; IsStep(*cur) && !cur->args.empty() && cur->args[0];
       cur = cur->args[0].get()) {
    if (cur->kind != Selector::Kind::kField) return true;
  }
  return false;
}

Result<std::shared_ptr<const CollectionSelection>> CollectionSelection::Prepare(
    const parser::Selector& selector, const schema::TableMetadata& table, BindSpecs& specs) {
  // The chain from the outermost step down to the column; the parser bounds its length.
  std::vector<const Selector*> chain;
  const Selector* cur = &selector;
  while (IsStep(*cur)) {
    chain.push_back(cur);
    if (cur->args.empty() || cur->args[0] == nullptr) return InternalError("selection without a base");
    cur = cur->args[0].get();
  }
  if (cur->kind != Selector::Kind::kColumn) {
    return Unsupported("element or slice selection on " + cur->text);
  }
  auto out = std::make_shared<CollectionSelection>();
  out->column_ = table.FindColumn(cur->column);
  if (out->column_ == nullptr) return InvalidRequest("Undefined column name " + cur->column);
  types::Type selected_type = out->column_->type;
  // Only the first step reads the column itself: a non-frozen collection's cells (Cassandra's
  // multi-cell column) give null for an empty slice; every nested value is frozen.
  bool frozen = selected_type.frozen() || !selected_type.IsCollection();
  // Markers are recorded in text order: the innermost step's terms come first in the text.
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Selector& s = **it;
    const bool slice = s.kind == Selector::Kind::kSlice;
    const std::string& selected_name = s.args[0]->text;
    if (s.kind == Selector::Kind::kField) {
      // Selectable.WithFieldSelection.newSelectorFactory (Cassandra 4.1).
      if (selected_type.kind() != types::Kind::kUdt) {
        return InvalidRequest(fmt::format("Invalid field selection: {} of type {} is not a user "
                                          "type",
                                          selected_name, selected_type.ToCql()));
      }
      const auto& names = selected_type.udt_field_names();
      size_t index = 0;
      while (index < names.size() && names[index] != s.field) ++index;
      if (index == names.size() || index >= selected_type.params().size()) {
        return InvalidRequest(fmt::format("{} of type {} has no field {}", selected_name,
                                          selected_type.ToCql(), s.field));
      }
      Step step;
      step.field = index;
      step.selected_name = selected_name;
      selected_type = selected_type.params()[index];
      frozen = true;
      out->steps_.push_back(std::move(step));
      continue;
    }
    if (!selected_type.IsCollection()) {
      // Selectable.WithElementSelection / WithSliceSelection.newSelectorFactory.
      return InvalidRequest(
          slice ? fmt::format("Invalid slice selection: {} of type {} is not a collection",
                              selected_name, selected_type.ToCql())
                : fmt::format("Invalid element selection: {} is of type {} is not a collection",
                              selected_name, selected_type.ToCql()));
    }
    if (selected_type.kind() == types::Kind::kList) {
      // Selectable.specForElementOrSlice: lists cannot be indexed in 4.1.
      return InvalidRequest(fmt::format("{} selection is only allowed on sets and maps, but {} is "
                                        "a list",
                                        slice ? "Slice" : "Element", selected_name));
    }
    const bool map = selected_type.kind() == types::Kind::kMap;
    // Sets.valueSpecOf / Maps.keySpecOf of the selected's column specification.
    const std::string receiver = (map ? "key(" : "value(") + selected_name + ")";
    const types::Type& key_type = selected_type.params()[0];
    Step step;
    step.slice = slice;
    step.collection = selected_type;
    step.frozen = frozen;
    step.selected_name = selected_name;
    if (s.term != nullptr) {
      ASSIGN_OR_RETURN(step.first, PrepareTerm(s.term, key_type, receiver, specs));
    }
    if (slice && s.slice_end != nullptr) {
      ASSIGN_OR_RETURN(step.second, PrepareTerm(s.slice_end, key_type, receiver, specs));
    }
    if (!slice) selected_type = map ? selected_type.params()[1] : key_type;
    frozen = true;
    out->steps_.push_back(std::move(step));
  }
  out->result_type_ = selected_type;
  return std::shared_ptr<const CollectionSelection>(std::move(out));
}

Result<CollectionSelection::Bound> CollectionSelection::Bind(
    const std::vector<protocol::BoundValue>& values) const {
  Bound bound;
  for (const Step& step : steps_) {
    std::optional<std::string> first;
    std::optional<std::string> second;
    for (int i = 0; i < 2; ++i) {
      const std::optional<PreparedTerm>& term = i == 0 ? step.first : step.second;
      if (!term) continue;
      bool unset = false;
      ASSIGN_OR_RETURN(types::Value v, term->Evaluate(values, &unset));
      // ElementsSelector.newElementFactory / newSliceFactory .newInstance: an unset slice bound
      // means no bound (Constants.UNSET_VALUE is how c[a..] is written), null never is.
      if (unset) {
        if (!step.slice) {
          return InvalidRequest("Invalid unset value for element selection on " +
                                step.selected_name);
        }
        continue;
      }
      if (!v) {
        return InvalidRequest(fmt::format("Invalid null value for {} selection on {}",
                                          step.slice ? "slice" : "element", step.selected_name));
      }
      (i == 0 ? first : second) = std::move(*v);
    }
    bound.first.push_back(std::move(first));
    bound.second.push_back(std::move(second));
  }
  return bound;
}

types::Value CollectionSelection::Apply(const Bound& bound,
                                        const types::Value& column_value) const {
  types::Value value = column_value;
  for (size_t i = 0; i < steps_.size() && i < bound.first.size(); ++i) {
    if (!value) return std::nullopt;
    const Step& step = steps_[i];
    if (step.field) {
      value = FieldOf(*value, *step.field);
    } else if (step.slice) {
      value = types::SelectCollectionSlice(step.collection, *value, bound.first[i],
                                           bound.second[i], step.frozen);
    } else {
      value = bound.first[i] ? types::SelectCollectionElement(step.collection, *value,
                                                              *bound.first[i])
                             : std::nullopt;
    }
  }
  return value;
}

}  // namespace sibyl::query
