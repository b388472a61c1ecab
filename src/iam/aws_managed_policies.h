#pragma once
// The AWS-managed policies Sibyl ships built in (shared/reference/keyspaces-iam.md §3.5): their
// `cassandra:` and `iam:` parts only, under AWS's names and ARNs
// (arn:aws:iam::aws:policy/<name>). They can be attached, never edited or deleted.

#include <vector>

#include "iam/model.h"

namespace sibyl::iam {

// Every built-in policy, by name order. Never changes while the process runs.
const std::vector<ManagedPolicy>& AwsManagedPolicies();

}  // namespace sibyl::iam
