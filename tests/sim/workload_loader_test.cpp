// Tests of the workload loader (sim/config/workload_loader.h): every shipped workload, `base:` inheritance,
// the gemm:M,K,N shorthand, and each class of bad input with its exact `file:line:col: key: message` text.
#include "sim/config/workload_loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "models/op_graph.h"
#include "sim/config/diagnostics.h"

namespace coda::config {
namespace {

const std::string kSource = CODA_SOURCE_DIR;
const std::string kShipped = kSource + "/configs/workloads/";
const std::string kData = kSource + "/tests/data/workloads/";

// The diagnostics an input raises, as text; empty when it loads.
std::vector<std::string> errors_of(const std::function<void()>& load) {
  try {
    load();
  } catch (const InputError& e) {
    std::vector<std::string> out;
    for (const Diagnostic& d : e.diagnostics()) out.push_back(d.str());
    return out;
  }
  return {};
}

std::vector<std::string> file_errors(const std::string& name) {
  return errors_of([&] { load_workload(kData + name); });
}

std::vector<std::string> string_errors(const std::string& yaml) {
  return errors_of([&] { parse_workload_string(yaml, "w.yaml"); });
}

int64_t layer_macs(int64_t s, int64_t h, int64_t f) { return 4 * s * h * h + 2 * s * s * h + 2 * s * h * f; }

// ---------------------------------------------------------------------------------------------------------
// Shipped workloads

TEST(WorkloadLoader, ShippedBertBase) {
  const models::TransformerSpec s = load_workload(kShipped + "bert-base.yaml");
  EXPECT_EQ(s.name, "bert-base");
  EXPECT_EQ(s.layers, 12);
  EXPECT_EQ(s.seq_len, 512);
  EXPECT_EQ(s.hidden, 768);
  EXPECT_EQ(s.head_dim, 64);
  EXPECT_EQ(s.heads, std::vector<int64_t>(12, 12));
  EXPECT_EQ(s.ffn, std::vector<int64_t>(12, 3072));
  EXPECT_EQ(s.batch, 1);
  EXPECT_FALSE(s.causal);
  EXPECT_EQ(s.vocab, 0);
  const models::OpGraph g = models::build_op_graph(s);
  EXPECT_EQ(g.ops.size(), 12u * models::kOpsPerLayer);
  EXPECT_EQ(g.total_macs(), 12 * layer_macs(512, 768, 3072));
}

TEST(WorkloadLoader, ShippedBertLarge) {
  const models::TransformerSpec s = load_workload(kShipped + "bert-large.yaml");
  EXPECT_EQ(s.name, "bert-large");
  EXPECT_EQ(s.layers, 24);
  EXPECT_EQ(s.seq_len, 512);
  EXPECT_EQ(s.hidden, 1024);
  EXPECT_EQ(s.head_dim, 64);
  EXPECT_EQ(s.heads, std::vector<int64_t>(24, 16));
  EXPECT_EQ(s.ffn, std::vector<int64_t>(24, 4096));
  EXPECT_EQ(models::build_op_graph(s).total_macs(), 24 * layer_macs(512, 1024, 4096));
}

TEST(WorkloadLoader, ShippedBertBaseSeq128ExtendsBertBase) {
  const models::TransformerSpec s = load_workload(kShipped + "bert-base-seq128.yaml");
  EXPECT_EQ(s.name, "bert-base-seq128");
  EXPECT_EQ(s.seq_len, 128);
  EXPECT_EQ(s.layers, 12);
  EXPECT_EQ(s.hidden, 768);
  EXPECT_EQ(s.head_dim, 64);
  EXPECT_EQ(s.heads, std::vector<int64_t>(12, 12));
  EXPECT_EQ(s.ffn, std::vector<int64_t>(12, 3072));
  EXPECT_EQ(models::build_op_graph(s).total_macs(), 12 * layer_macs(128, 768, 3072));
}

TEST(WorkloadLoader, ShippedLm6Layer) {
  const models::TransformerSpec s = load_workload(kShipped + "lm-6layer.yaml");
  EXPECT_EQ(s.name, "lm-6layer");
  EXPECT_EQ(s.layers, 6);
  EXPECT_EQ(s.seq_len, 512);
  EXPECT_EQ(s.hidden, 768);
  EXPECT_EQ(s.head_dim, 64);
  EXPECT_EQ(s.heads, std::vector<int64_t>(6, 12));
  EXPECT_EQ(s.ffn, std::vector<int64_t>(6, 3072));
  EXPECT_TRUE(s.causal);
  EXPECT_EQ(s.vocab, 30522);
  const models::OpGraph g = models::build_op_graph(s);
  EXPECT_EQ(g.ops.size(), 6u * models::kOpsPerLayer + 2);
  EXPECT_EQ(g.ops.front().name, "embed");
  EXPECT_EQ(g.ops.back().name, "lm_head");
  EXPECT_EQ(g.total_macs(), 6 * layer_macs(512, 768, 3072) + int64_t{512} * 768 * 30522);
}

TEST(WorkloadLoader, ShippedTiny) {
  const models::TransformerSpec s = load_workload(kShipped + "tiny.yaml");
  EXPECT_EQ(s.name, "tiny");
  EXPECT_EQ(s.layers, 2);
  EXPECT_EQ(s.seq_len, 32);
  EXPECT_EQ(s.hidden, 64);
  EXPECT_EQ(s.head_dim, 16);
  EXPECT_EQ(s.heads, (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(s.ffn, (std::vector<int64_t>{128, 128}));
}

TEST(WorkloadLoader, EveryShippedWorkloadLoadsAndBuilds) {
  const std::vector<std::string> names = shipped_workloads();
  for (const char* expected : {"bert-base", "bert-base-seq128", "bert-large", "lm-6layer", "tiny"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const models::TransformerSpec s = load_workload(kShipped + name + ".yaml");
    EXPECT_EQ(s.name, name);
    EXPECT_NO_THROW(s.validate());
    EXPECT_GT(models::build_op_graph(s).total_macs(), 0);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Good inputs

TEST(WorkloadLoader, PerLayerHeadsAndFfn) {
  const models::TransformerSpec s = load_workload(kData + "good_per_layer.yaml");
  EXPECT_EQ(s.name, "hetero");
  EXPECT_EQ(s.layers, 3);
  EXPECT_EQ(s.seq_len, 64);
  EXPECT_EQ(s.batch, 2);
  EXPECT_EQ(s.hidden, 256);
  EXPECT_EQ(s.head_dim, 32);
  EXPECT_EQ(s.heads, (std::vector<int64_t>{4, 2, 8}));
  EXPECT_EQ(s.ffn, (std::vector<int64_t>{512, 1024, 256}));
  EXPECT_EQ(models::build_op_graph(s).total_macs(), 183500800);
}

TEST(WorkloadLoader, BaseRelativeToTheFileAndNameFromStem) {
  // good_extends_tiny.yaml sets no name: it is named after its file, not after its base.
  const models::TransformerSpec s = load_workload(kData + "good_extends_tiny.yaml");
  EXPECT_EQ(s.name, "good_extends_tiny");
  EXPECT_EQ(s.layers, 2);
  EXPECT_EQ(s.seq_len, 16);
  EXPECT_EQ(s.hidden, 64);
  EXPECT_EQ(s.heads, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(s.head_dim, 16);
  EXPECT_EQ(s.ffn, (std::vector<int64_t>{128, 128}));
}

TEST(WorkloadLoader, DefaultsFromString) {
  const models::TransformerSpec s = parse_workload_string("layers: 2\nseq_len: 8\nhidden: 64\nheads: 4\nffn: 256\n");
  EXPECT_EQ(s.name, "workload");
  EXPECT_EQ(s.head_dim, 16);
  EXPECT_EQ(s.batch, 1);
  EXPECT_FALSE(s.causal);
  EXPECT_EQ(s.vocab, 0);
}

TEST(WorkloadLoader, AllKeysFromString) {
  const models::TransformerSpec s = parse_workload_string(
      "name: all\nlayers: 2\nseq_len: 8\nhidden: 64\nheads: [4, 8]\nhead_dim: 16\nffn: [256, 128]\n"
      "batch: 3\ncausal: true\nvocab: 100\n",
      "configs/workloads/all.yaml");
  EXPECT_EQ(s.name, "all");
  EXPECT_EQ(s.heads, (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(s.ffn, (std::vector<int64_t>{256, 128}));
  EXPECT_EQ(s.head_dim, 16);
  EXPECT_EQ(s.batch, 3);
  EXPECT_TRUE(s.causal);
  EXPECT_EQ(s.vocab, 100);
  // Per-layer heads whose hidden/heads is the same integer need no head_dim.
  EXPECT_EQ(parse_workload_string("layers: 2\nseq_len: 8\nhidden: 64\nheads: [4, 4]\nffn: 8\n").head_dim, 16);
  // The attention width heads * head_dim may differ from hidden.
  EXPECT_EQ(parse_workload_string("layers: 1\nseq_len: 8\nhidden: 64\nheads: 3\nhead_dim: 10\nffn: 8\n")
                .layer(0)
                .attn_width(),
            30);
  EXPECT_EQ(parse_workload_string("layers: 1\nseq_len: 8\nhidden: 64\nheads: 4\nffn: 8\ncausal: False\n").causal,
            false);
  EXPECT_EQ(workload_keys().size(), 11u);
}

// ---------------------------------------------------------------------------------------------------------
// Bad inputs: the exact text of every diagnostic, all of a file at once.

TEST(WorkloadLoaderErrors, WrongTypes) {
  const std::string f = kData + "bad_types.yaml";
  EXPECT_EQ(file_errors("bad_types.yaml"),
            (std::vector<std::string>{
                f + ":1:7: name: expected a string, got a list",
                f + ":2:9: layers: expected an integer, got the string \"2\"",
                f + ":3:10: seq_len: expected an integer, got the float 128.0",
                f + ":4:9: hidden: expected an integer, got the boolean true",
                f + ":5:8: heads: expected an integer or a list of integers (one per layer), got a map",
                f + ":6:6: ffn: expected an integer or a list of integers (one per layer), got the float 1e3",
                f + ":7:11: head_dim: expected an integer, got the string 'abc'",
                f + ":8:1: batch: expected an integer, got an empty value",
                f + ":9:9: causal: expected a boolean (true or false), got the string 'yes'",
                f + ":10:8: vocab: integer 12345678901234567890 is out of range",
            }));
}

TEST(WorkloadLoaderErrors, OutOfRange) {
  const std::string f = kData + "bad_range.yaml";
  EXPECT_EQ(file_errors("bad_range.yaml"), (std::vector<std::string>{
                                               f + ":1:9: layers: must be >= 1, got 0",
                                               f + ":2:10: seq_len: must be >= 1, got -5",
                                               f + ":3:9: hidden: must be >= 1, got 0",
                                               f + ":4:8: heads: must be >= 1, got 0",
                                               f + ":5:6: ffn: must be >= 1, got 0",
                                               f + ":6:11: head_dim: must be >= 1, got 0",
                                               f + ":7:8: batch: must be >= 1, got 0",
                                               f + ":8:8: vocab: must be >= 0, got -1",
                                           }));
  EXPECT_EQ(string_errors("layers: 5000\nseq_len: 8\nhidden: 64\nheads: 4\nffn: 8\n"),
            std::vector<std::string>{"w.yaml:1:9: layers: must be <= 4096, got 5000"});
}

TEST(WorkloadLoaderErrors, UnknownKeys) {
  const std::string f = kData + "bad_unknown_keys.yaml";
  EXPECT_EQ(file_errors("bad_unknown_keys.yaml"),
            (std::vector<std::string>{
                f + ":5:1: heds: unknown key (did you mean 'heads'?)",
                f + ":8:1: ffn_dim: unknown key (did you mean 'ffn'?)",
                f + ":9:1: precision: unknown key; expected one of: name, base, layers, seq_len, hidden, heads, ffn, "
                    "head_dim, batch, causal, vocab",
            }));
}

TEST(WorkloadLoaderErrors, ListOfTheWrongLength) {
  const std::string f = kData + "bad_list_length.yaml";
  EXPECT_EQ(file_errors("bad_list_length.yaml"),
            (std::vector<std::string>{
                f + ":4:8: heads: expected one entry per layer (layers = 3), got 2",
                f + ":5:6: ffn: expected one entry per layer (layers = 3), got 4",
            }));
}

TEST(WorkloadLoaderErrors, BadListEntries) {
  const std::string f = kData + "bad_list_items.yaml";
  EXPECT_EQ(file_errors("bad_list_items.yaml"), (std::vector<std::string>{
                                                    f + ":5:12: heads[1]: must be >= 1, got 0",
                                                    f + ":5:15: heads[2]: expected an integer, got the string \"x\"",
                                                    f + ":5:20: heads[3]: expected an integer, got the float 1.5",
                                                    f + ":6:6: ffn: expected one integer per layer, got an empty list",
                                                }));
}

TEST(WorkloadLoaderErrors, HeadDimInconsistencies) {
  EXPECT_EQ(file_errors("bad_head_dim_divisible.yaml"),
            std::vector<std::string>{kData + "bad_head_dim_divisible.yaml:4:8: heads: hidden (768) is not divisible "
                                             "by heads (10); set head_dim explicitly"});
  EXPECT_EQ(file_errors("bad_head_dim_per_layer.yaml"),
            std::vector<std::string>{kData + "bad_head_dim_per_layer.yaml:4:8: heads: per-layer heads give different "
                                             "head sizes (hidden/heads = 64 in layer 0, 96 in layer 1); set head_dim, "
                                             "the head size shared by all layers"});
  EXPECT_EQ(file_errors("bad_head_dim_per_layer_indivisible.yaml"),
            std::vector<std::string>{kData + "bad_head_dim_per_layer_indivisible.yaml:4:13: heads[1]: hidden (768) is "
                                             "not divisible by heads[1] (7); set head_dim explicitly"});
  // An explicit head_dim lifts both restrictions.
  EXPECT_NO_THROW(parse_workload_string("layers: 2\nseq_len: 8\nhidden: 768\nheads: [12, 7]\nhead_dim: 64\nffn: 8\n"));
}

TEST(WorkloadLoaderErrors, MissingRequiredKeys) {
  const std::string f = kData + "bad_missing.yaml";
  EXPECT_EQ(file_errors("bad_missing.yaml"), (std::vector<std::string>{
                                                 f + ": heads: missing required key",
                                                 f + ": ffn: missing required key",
                                             }));
}

TEST(WorkloadLoaderErrors, DuplicateKey) {
  EXPECT_EQ(file_errors("bad_duplicate.yaml"),
            std::vector<std::string>{kData + "bad_duplicate.yaml:6:1: heads: duplicate key (first given on line 4)"});
}

TEST(WorkloadLoaderErrors, ErrorsOfDifferentClassesTogetherInLineOrder) {
  EXPECT_EQ(string_errors("layers: 2\nheads: 0\nffn: [1, 2, 3]\nhiden: 64\nseq_len: x\n"),
            (std::vector<std::string>{
                "w.yaml: hidden: missing required key",
                "w.yaml:2:8: heads: must be >= 1, got 0",
                "w.yaml:3:6: ffn: expected one entry per layer (layers = 2), got 3",
                "w.yaml:4:1: hiden: unknown key (did you mean 'hidden'?)",
                "w.yaml:5:10: seq_len: expected an integer, got the string 'x'",
            }));
}

TEST(WorkloadLoaderErrors, MalformedYaml) {
  EXPECT_EQ(file_errors("bad_syntax.yaml"),
            std::vector<std::string>{kData + "bad_syntax.yaml:4:6: invalid YAML: end of sequence flow not found"});
  EXPECT_EQ(string_errors("layers: 2\n  seq_len: 3\n"),
            std::vector<std::string>{"w.yaml:2:10: invalid YAML: illegal map value"});
  EXPECT_EQ(string_errors("layers: 2\n\t seq_len: 3\n"),
            std::vector<std::string>{"w.yaml:2:1: invalid YAML: illegal tab when looking for indentation"});
  EXPECT_EQ(string_errors("layers: *undefined\n"),
            std::vector<std::string>{"w.yaml:1:9: invalid YAML: the referenced anchor is not defined"});
  EXPECT_EQ(file_errors("bad_multi_doc.yaml"),
            std::vector<std::string>{kData + "bad_multi_doc.yaml:7:1: expected one YAML document, got 2"});
}

TEST(WorkloadLoaderErrors, EmptyOrNotAMap) {
  const std::string empty = ": empty workload; expected a map with the keys layers, seq_len, hidden, heads and ffn";
  EXPECT_EQ(file_errors("empty.yaml"), std::vector<std::string>{kData + "empty.yaml" + empty});
  EXPECT_EQ(file_errors("comments_only.yaml"), std::vector<std::string>{kData + "comments_only.yaml" + empty});
  EXPECT_EQ(file_errors("top_list.yaml"),
            std::vector<std::string>{kData + "top_list.yaml:1:1: expected a map of workload keys at the top level, "
                                             "got a list"});
  EXPECT_EQ(string_errors("bert\n"),
            std::vector<std::string>{"w.yaml:1:1: expected a map of workload keys at the top level, got the string "
                                     "'bert'"});
  EXPECT_EQ(string_errors("[1]: 2\nlayers: 1\nseq_len: 1\nhidden: 1\nheads: 1\nffn: 1\n"),
            std::vector<std::string>{"w.yaml:1:1: keys must be plain names, got a list"});
}

TEST(WorkloadLoaderErrors, MissingFile) {
  const std::string f = kData + "no-such-workload.yaml";
  EXPECT_EQ(errors_of([&] { load_workload(f); }),
            std::vector<std::string>{f + ": cannot open workload file '" + f + "': no such file"});
  const std::string dir = kData.substr(0, kData.size() - 1);
  EXPECT_EQ(errors_of([&] { load_workload(dir); }),
            std::vector<std::string>{dir + ": cannot open workload file '" + dir + "': not a regular file"});
}

TEST(WorkloadLoaderErrors, TooLarge) {
  EXPECT_EQ(file_errors("bad_too_large.yaml"),
            std::vector<std::string>{kData + "bad_too_large.yaml: workload is too large: attention score size "
                                             "overflows 64-bit counters"});
}

TEST(WorkloadLoaderErrors, BaseProblems) {
  EXPECT_EQ(file_errors("bad_base_missing.yaml"),
            std::vector<std::string>{kData + "bad_base_missing.yaml:1:7: base: cannot open base workload '" + kData +
                                     "does-not-exist.yaml': no such file"});
  EXPECT_EQ(file_errors("bad_base_cycle_a.yaml"),
            std::vector<std::string>{kData + "bad_base_cycle_b.yaml:1:7: base: circular base chain: " + kData +
                                     "bad_base_cycle_a.yaml -> " + kData + "bad_base_cycle_b.yaml -> " + kData +
                                     "bad_base_cycle_a.yaml"});
  // Errors of the file and of its base, the file first; each in its own file's coordinates.
  EXPECT_EQ(file_errors("bad_base_child.yaml"),
            (std::vector<std::string>{
                kData + "bad_base_child.yaml:2:10: seq_len: expected an integer, got the string 'many'",
                kData + "bad_base_parent.yaml:6:8: batch: must be >= 1, got 0",
            }));
  EXPECT_EQ(string_errors("base: [a]\nlayers: 1\n"),
            std::vector<std::string>{"w.yaml:1:7: base: expected a string, got a list"});
}

TEST(WorkloadLoaderErrors, InputErrorMessageJoinsAllDiagnostics) {
  try {
    parse_workload_string("layers: 0\nseq_len: 0\nhidden: 8\nheads: 1\nffn: 1\n", "x.yaml");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "x.yaml:1:9: layers: must be >= 1, got 0\nx.yaml:2:10: seq_len: must be >= 1, got 0");
    ASSERT_EQ(e.diagnostics().size(), 2u);
    EXPECT_EQ(e.diagnostics()[0].loc.file, "x.yaml");
    EXPECT_EQ(e.diagnostics()[0].loc.line, 1);
    EXPECT_EQ(e.diagnostics()[0].loc.column, 9);
    EXPECT_EQ(e.diagnostics()[0].key_path, "layers");
    EXPECT_EQ(e.diagnostics()[0].message, "must be >= 1, got 0");
  }
}

// ---------------------------------------------------------------------------------------------------------
// gemm:M,K,N and workload arguments

TEST(GemmSpec, Parses) {
  EXPECT_TRUE(is_gemm_spec("gemm:1,2,3"));
  EXPECT_FALSE(is_gemm_spec("bert-base"));
  EXPECT_FALSE(is_gemm_spec("gem:1,2,3"));
  const GemmDims d = parse_gemm_spec("gemm:512,768,3072");
  EXPECT_EQ(d.m, 512);
  EXPECT_EQ(d.k, 768);
  EXPECT_EQ(d.n, 3072);
  const GemmDims spaced = parse_gemm_spec("gemm: 4, 5 ,6");
  EXPECT_EQ(spaced.m, 4);
  EXPECT_EQ(spaced.k, 5);
  EXPECT_EQ(spaced.n, 6);

  const models::OpGraph g = gemm_graph("gemm:64,128,256");
  ASSERT_EQ(g.ops.size(), 1u);
  EXPECT_EQ(g.ops[0].name, "gemm");
  EXPECT_EQ(g.total_macs(), 64 * 128 * 256);
  EXPECT_EQ(g.spec.name, "gemm:64,128,256");
}

TEST(GemmSpec, Errors) {
  auto errs = [](const std::string& arg) { return errors_of([&] { parse_gemm_spec(arg); }); };
  EXPECT_EQ(errs("gemm:1,2"),
            std::vector<std::string>{"<-w gemm:1,2>: gemm: expected three comma-separated dimensions M,K,N, got 2"});
  EXPECT_EQ(
      errs("gemm:1,2,3,4"),
      std::vector<std::string>{"<-w gemm:1,2,3,4>: gemm: expected three comma-separated dimensions M,K,N, got 4"});
  EXPECT_EQ(errs("gemm:0,x,-3"), (std::vector<std::string>{
                                     "<-w gemm:0,x,-3>: gemm.M: must be >= 1, got 0",
                                     "<-w gemm:0,x,-3>: gemm.K: expected an integer, got 'x'",
                                     "<-w gemm:0,x,-3>: gemm.N: must be >= 1, got -3",
                                 }));
  EXPECT_EQ(errs("gemm:1.5,,99999999999999999999"),
            (std::vector<std::string>{
                "<-w gemm:1.5,,99999999999999999999>: gemm.M: expected an integer, got '1.5'",
                "<-w gemm:1.5,,99999999999999999999>: gemm.K: expected an integer, got ''",
                "<-w gemm:1.5,,99999999999999999999>: gemm.N: integer 99999999999999999999 is out of range",
            }));
  EXPECT_EQ(errs("matmul:1,2,3"), std::vector<std::string>{"<-w matmul:1,2,3>: gemm: expected gemm:M,K,N"});
  EXPECT_EQ(errors_of([] { parse_gemm_spec("gemm:1,2", "<sweep entry 3>"); }),
            std::vector<std::string>{"<sweep entry 3>: gemm: expected three comma-separated dimensions M,K,N, got 2"});
  EXPECT_EQ(errors_of([] { gemm_graph("gemm:4294967296,4294967296,2"); }),
            std::vector<std::string>{"<-w gemm:4294967296,4294967296,2>: gemm: gemm 4294967296x4294967296x2 overflows "
                                     "64-bit counters"});
}

TEST(WorkloadArgument, ResolvesGemmPathsAndShippedNames) {
  EXPECT_EQ(load_workload_graph("gemm:2,3,4").total_macs(), 24);
  EXPECT_EQ(resolve_workload_path("tiny"), kShipped + "tiny.yaml");
  EXPECT_EQ(resolve_workload_path(kData + "good_per_layer.yaml"), kData + "good_per_layer.yaml");
  EXPECT_EQ(resolve_workload_path("dir/missing.yaml"), "dir/missing.yaml");
  EXPECT_EQ(load_workload_graph("tiny").spec.name, "tiny");
  EXPECT_EQ(load_workload_graph(kData + "good_per_layer.yaml").spec.name, "hetero");

  const std::vector<std::string> unknown = errors_of([] { load_workload_graph("bert-bsae"); });
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_TRUE(
      unknown[0].starts_with("bert-bsae: no such workload file, and no shipped workload of that name "
                             "(shipped: bert-base, bert-base-seq128, bert-large, "))
      << unknown[0];
  EXPECT_EQ(errors_of([] { load_workload_graph("dir/missing.yaml"); }),
            std::vector<std::string>{"dir/missing.yaml: cannot open workload file 'dir/missing.yaml': no such file"});
}

}  // namespace
}  // namespace coda::config
