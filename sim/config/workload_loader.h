// Loads transformer workloads (configs/workloads/*.yaml, format in docs/workloads.md) into
// models::TransformerSpec, and parses the `gemm:M,K,N` shorthand for a lone GEMM.
//
// Every problem of a file is reported at once, as a coda::config::InputError whose diagnostics read
// `file:line:column: key.path: message` (1-based line and column), e.g.
//   configs/workloads/x.yaml:3:8: heads: must be >= 1, got 0
// Malformed YAML, a missing or empty file and a top-level value that is not a map are reported the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/op_graph.h"
#include "models/workload.h"
#include "sim/config/diagnostics.h"

namespace coda::config {

// Reads and validates a workload YAML file. `base:` paths resolve relative to the file's directory.
// Throws InputError (all problems of the file and of the files it extends).
models::TransformerSpec load_workload(const std::string& path);

// Same as load_workload, from YAML text. `origin` names the text in diagnostics; `base:` paths resolve
// relative to origin's directory (the working directory when it has none, e.g. "<string>").
models::TransformerSpec parse_workload_string(const std::string& yaml, const std::string& origin = "<string>");

// The keys a workload file may contain, in documentation order.
const std::vector<std::string_view>& workload_keys();

// Dimensions of a lone GEMM C[M][N] = A[M][K] * B[K][N].
struct GemmDims {
  int64_t m = 0;
  int64_t k = 0;
  int64_t n = 0;
};

// True when `arg` uses the GEMM shorthand, i.e. starts with "gemm:".
bool is_gemm_spec(std::string_view arg);

// Parses "gemm:M,K,N" (decimal integers >= 1, optional spaces around them). Throws InputError whose
// diagnostics name `origin` (default "<-w ARG>") and the key path gemm, gemm.M, gemm.K or gemm.N.
GemmDims parse_gemm_spec(std::string_view arg, const std::string& origin = "");

// parse_gemm_spec followed by models::single_gemm_graph.
models::OpGraph gemm_graph(std::string_view arg, const std::string& origin = "");

// Where a workload argument points: `arg` itself when it names an existing file; otherwise, for a bare name
// such as "bert-base", the shipped configs/workloads/<name>.yaml when that exists; otherwise `arg` unchanged.
std::string resolve_workload_path(const std::string& arg);

// The op graph of a workload argument as given on the command line (`-w`): "gemm:M,K,N", a YAML path, or the
// name of a shipped workload. Throws InputError (a missing name also lists the shipped workloads).
models::OpGraph load_workload_graph(const std::string& arg);

// Names (file stems) of the workloads shipped in configs/workloads/, sorted.
std::vector<std::string> shipped_workloads();

}  // namespace coda::config
