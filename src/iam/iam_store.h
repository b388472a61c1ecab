#pragma once
// Durable storage of IAM documents as rows of an internal table of the storage engine (one
// storage, one recovery story): partition = the kind of entity, clustering = its id, one cell
// holding the JSON document. Every Put/Delete is durable when it returns (per the engine's
// durability setting). Thread-safe.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace sibyl::storage {
class Coordinator;
class Engine;
}

namespace sibyl::iam {

inline constexpr const char* kIamTableId = "sibyl_iam";

class IamStore {
 public:
  // Creates the table if needed. `engine` must outlive the store.
  static Result<std::unique_ptr<IamStore>> Open(storage::Engine& engine);

  Status Put(const std::string& kind, const std::string& id, const std::string& json);
  Status Delete(const std::string& kind, const std::string& id);
  // Every (id, json) of a kind, by id.
  Result<std::vector<std::pair<std::string, std::string>>> LoadAll(const std::string& kind);

  // Many nodes (issue 15): after each Put/Delete, publishes "iam" (every other node marks its
  // IAM state stale before the call returns). Null: one node. Not owned.
  void SetCoordinator(storage::Coordinator* coordinator) { coordinator_ = coordinator; }

 private:
  Status Published(Status status);
  storage::Coordinator* coordinator_ = nullptr;
  explicit IamStore(storage::Engine& engine) : engine_(engine) {}
  storage::Engine& engine_;
};

}  // namespace sibyl::iam
