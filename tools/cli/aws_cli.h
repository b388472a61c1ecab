#pragma once
// `sibyl iam <command> ...` and `sibyl sts get-caller-identity`: a small client of Sibyl's IAM
// API that mirrors the aws CLI (same command and option names, same JSON output, same error
// lines and exit codes), signing with SigV4 like the aws CLI.
//
// Endpoint: --endpoint-url, else AWS_ENDPOINT_URL, else http://127.0.0.1:8080.
// Keys: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else the profile (--profile, AWS_PROFILE,
// "default") in ~/.aws/credentials. Region: --region, AWS_REGION, AWS_DEFAULT_REGION, else
// us-east-1.

#include <string>
#include <vector>

namespace sibyl::cli {

// `args` are the words after "sibyl" (e.g. {"iam", "create-user", "--user-name", "alice"}).
// Prints to stdout/stderr and returns the process exit code: 0, 252 (usage), 254 (the service
// answered an error), 255 (could not reach it), as the aws CLI v2 does.
int RunAwsStyleCommand(const std::vector<std::string>& args);

}  // namespace sibyl::cli
