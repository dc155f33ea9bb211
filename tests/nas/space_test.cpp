// Search spaces: parsing (configs/nas/bert6-space.yaml and error cases with file/line/key), genes, decoding,
// the candidate JSON, hardware points and the op graph of a decoded architecture.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "nas/space.h"
#include "sim/config/hw_loader.h"

namespace coda::nas {
namespace {

using ::testing::HasSubstr;

std::string diag_text(const config::InputError& e) {
  std::string s;
  for (const auto& d : e.diagnostics()) s += d.str() + "\n";
  return s;
}

// Parses `yaml` and returns the diagnostics text (empty when it parsed).
std::string errors_of(const std::string& yaml) {
  try {
    (void)SearchSpace::parse(yaml, "space.yaml");
  } catch (const config::InputError& e) {
    return diag_text(e);
  }
  return "";
}

const char* kSmall = R"(name: small
model:
  seq_len: 64
  head_size: 32
  layers: [1, 2, 3]
  heads: [1, 2]
  hidden: [64, 128]
  ffn: {min: 64, max: 192, step: 64}
hardware:
  accumulator.capacity_kb: [128, 256]
  scratchpad:
    capacity_kb: [64, 128, 256]
objectives: [edp, perplexity]
constraints:
  max_latency_cycles: 1000
)";

TEST(SearchSpace, ShippedBert6Space) {
  const SearchSpace s = SearchSpace::load(std::string(CODA_SOURCE_DIR) + "/configs/nas/bert6-space.yaml");
  EXPECT_EQ(s.name(), "bert6");
  EXPECT_EQ(s.schedule(), "fused");
  EXPECT_THAT(s.hw_config_path(), ::testing::EndsWith("configs/hw/gemmini-ibert-rebalanced.yaml"));
  const ModelSpace& m = s.model();
  EXPECT_EQ(m.seq_len, 512);
  EXPECT_EQ(m.head_size, 64);
  EXPECT_EQ(m.layers, (std::vector<int64_t>{3, 4, 5, 6}));
  EXPECT_EQ(m.heads, (std::vector<int64_t>{4, 6, 8, 10, 12}));
  EXPECT_EQ(m.hidden, (std::vector<int64_t>{384, 480, 576, 672, 768}));
  ASSERT_EQ(m.ffn.size(), 19u);
  EXPECT_EQ(m.ffn.front(), 768);
  EXPECT_EQ(m.ffn.back(), 3072);
  // layers, hidden, 6 x heads, 6 x ffn; no hardware genes.
  ASSERT_EQ(s.size(), 14u);
  EXPECT_EQ(s.domains()[0].name, "layers");
  EXPECT_EQ(s.domains()[0].choices, 4u);
  EXPECT_EQ(s.domains()[1].name, "hidden");
  EXPECT_EQ(s.domains()[2].name, "heads.0");
  EXPECT_EQ(s.domains()[7].name, "heads.5");
  EXPECT_EQ(s.domains()[8].name, "ffn.0");
  EXPECT_EQ(s.domains()[13].choices, 19u);
  EXPECT_EQ(s.hardware_points(), 1u);
  const Architecture base = s.decode(s.baseline());
  EXPECT_EQ(base.layers, 6);
  EXPECT_EQ(base.hidden, 768);
  EXPECT_EQ(base.heads, std::vector<int64_t>(6, 12));
  EXPECT_EQ(base.ffn, std::vector<int64_t>(6, 3072));
}

TEST(SearchSpace, DecodeAndJson) {
  const SearchSpace s = SearchSpace::parse(kSmall, "small.yaml");
  // layers, hidden, heads.0-2, ffn.0-2, accumulator.capacity_kb, scratchpad.capacity_kb
  ASSERT_EQ(s.size(), 10u);
  EXPECT_EQ(s.domains()[8].name, "accumulator.capacity_kb");
  EXPECT_EQ(s.domains()[9].name, "scratchpad.capacity_kb");
  EXPECT_EQ(s.domains()[9].choices, 3u);
  const Genome g{1, 1, 0, 1, 1, 2, 0, 1, 1, 2};  // 2 layers; heads.2 and ffn.2 unused
  const Architecture a = s.decode(g);
  EXPECT_EQ(a.layers, 2);
  EXPECT_EQ(a.hidden, 128);
  EXPECT_EQ(a.heads, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(a.ffn, (std::vector<int64_t>{192, 64}));
  EXPECT_EQ(to_json(a),
            "{\"layers\":2,\"hidden\":128,\"head_size\":32,\"seq_len\":64,\"heads\":[1,2],\"ffn\":[192,64],"
            "\"hardware\":{\"accumulator.capacity_kb\":256,\"scratchpad.capacity_kb\":256}}");
  EXPECT_EQ(s.hardware_points(), 6u);
  EXPECT_EQ(s.hardware_point(g), 5u);
  EXPECT_EQ(s.hardware_overrides(5), a.hardware);
  EXPECT_EQ(s.hardware_overrides(1),
            (std::vector<std::pair<std::string, std::string>>{{"accumulator.capacity_kb", "128"},
                                                              {"scratchpad.capacity_kb", "128"}}));
  EXPECT_THROW((void)s.decode(Genome{1, 1}), std::invalid_argument);
  Genome bad = g;
  bad[4] = 2;  // heads.2 has 2 choices, even unused it must be in range
  EXPECT_THROW((void)s.decode(bad), std::invalid_argument);
}

TEST(SearchSpace, OtherSectionsAreKeptForTheirReaders) {
  const SearchSpace s = SearchSpace::parse(kSmall, "small.yaml");
  ASSERT_TRUE(s.has_section("objectives"));
  EXPECT_EQ(s.section("objectives")[1].as<std::string>(), "perplexity");
  EXPECT_EQ(s.section("constraints")["max_latency_cycles"].as<int>(), 1000);
  EXPECT_FALSE(s.section("strategy").IsDefined());
  EXPECT_EQ(s.location_of("constraints").line, 14);
}

TEST(SearchSpace, ArchitectureBuildsGraphAndHardware) {
  const SearchSpace s = SearchSpace::parse(kSmall, "small.yaml");
  const Architecture a = s.decode(Genome{1, 0, 1, 0, 0, 0, 2, 0, 0, 1});
  // hidden 64 with 2 heads of 32: attention width 64; layer 1: 1 head of 32 (width 32 != hidden).
  const models::OpGraph g = op_graph(a);
  ASSERT_EQ(g.ops.size(), 2u * models::kOpsPerLayer);
  EXPECT_EQ(g.ops[*g.find("L1.q_proj")].mm.n, 32);
  EXPECT_EQ(g.ops[*g.find("L1.out_proj")].mm.k, 32);
  EXPECT_EQ(g.ops[*g.find("L1.out_proj")].mm.n, 64);
  EXPECT_EQ(g.ops[*g.find("L0.ffn1")].mm.n, 64);
  EXPECT_EQ(g.ops[*g.find("L1.ffn1")].mm.n, 192);
  EXPECT_EQ(g.ops[*g.find("L0.qk")].mm.batch, 2);
  const config::HwConfig hw = hardware_config(config::HwConfig{}, a);
  EXPECT_EQ(hw.accumulator.capacity_kb, 128);
  EXPECT_EQ(hw.scratchpad.capacity_kb, 128);
}

// Coupled keys are checked one by one for type and range; combinations are checked when a point is built.
TEST(SearchSpace, CoupledHardwareKeysAreCheckedPerPoint) {
  const SearchSpace s = SearchSpace::parse(
      "model:\n  seq_len: 64\n  head_size: 32\n  layers: 1\n  heads: 2\n  hidden: 64\n  ffn: 64\n"
      "hardware:\n  mesh:\n    rows: [8, 32]\n    cols: [8, 32]\n",
      "mesh.yaml");
  ASSERT_EQ(s.hardware_points(), 4u);
  Architecture a = s.decode(Genome{1, 1});
  EXPECT_EQ(hardware_config(config::HwConfig{}, a).mesh.rows, 32);
  a = s.decode(Genome{0, 1});
  EXPECT_THROW((void)hardware_config(config::HwConfig{}, a), config::InputError);
}

TEST(SearchSpace, ErrorsNameFileLineAndKey) {
  EXPECT_THAT(errors_of("model:\n  seq_len: 64\n  head_size: 32\n  layers: [1]\n  heads: 2\n  hidden: 64\n  ffn: 64\n"
                        "  hiden: 3\n"),
              HasSubstr("space.yaml:8:3: model.hiden: unknown key"));
  EXPECT_THAT(errors_of("model:\n  seq_len: 64\n  head_size: 32\n  layers: [1]\n  heads: 2\n  hidden: 64\n"),
              HasSubstr("space.yaml:1:1: model.ffn: missing (required)"));
  EXPECT_THAT(errors_of("model:\n  seq_len: 64\n  head_size: 32\n  layers: [1, x]\n  heads: 2\n  hidden: 64\n  ffn: 64\n"),
              HasSubstr("space.yaml:4:15: model.layers[1]: expected an integer, got 'x'"));
  EXPECT_THAT(errors_of("model:\n  seq_len: 64\n  head_size: 32\n  layers: 1\n  heads: 2\n  hidden: {min: 64, max: 100, step: 32}\n"
                        "  ffn: 64\n"),
              HasSubstr("space.yaml:6:11: model.hidden: max (100) is not min (64) plus a whole number of steps (32)"));
  EXPECT_THAT(errors_of("model:\n  seq_len: 64\n  head_size: 32\n  layers: 1\n  heads: 2\n  hidden: {min: 64, maxi: 100}\n"
                        "  ffn: 64\n"),
              HasSubstr("space.yaml:6:21: model.hidden.maxi: unknown key; expected one of: min, max, step"));
  EXPECT_THAT(errors_of("model:\n  seq_len: 0\n  head_size: 32\n  layers: 1\n  heads: 2\n  hidden: 64\n  ffn: 64\n"),
              HasSubstr("space.yaml:2:12: model.seq_len: must be >= 1, got 0"));
  const std::string m = "model:\n  seq_len: 64\n  head_size: 32\n  layers: 1\n  heads: 2\n  hidden: 64\n  ffn: 64\n";
  EXPECT_THAT(errors_of(m + "hardware:\n  accumulator.capacity: [64]\n"), HasSubstr("space.yaml:9:3: hardware.accumulator.capacity:"));
  EXPECT_THAT(errors_of(m + "hardware:\n  accumulator.capacity_kb: [64, 0]\n"),
              HasSubstr("space.yaml:9:28: hardware.accumulator.capacity_kb: value 0: must be >= 1"));
  EXPECT_THAT(errors_of(m + "hardware:\n  mesh:\n    rows: [8, 8]\n"), HasSubstr("space.yaml:10:15: hardware.mesh.rows[1]: duplicate value 8"));
  EXPECT_THAT(errors_of(m + "schedule: [fused]\n"), HasSubstr("space.yaml:8:11: schedule: expected a non-empty string"));
  EXPECT_THAT(errors_of("name: x\n"), HasSubstr("model: missing (required)"));
  EXPECT_THAT(errors_of("model: [\n"), HasSubstr("space.yaml:"));
  EXPECT_THAT(errors_of("- 1\n"), HasSubstr("expected a map"));
  try {
    (void)SearchSpace::load("/nonexistent/space.yaml");
    FAIL();
  } catch (const config::InputError& e) {
    EXPECT_THAT(diag_text(e), HasSubstr("/nonexistent/space.yaml: cannot read"));
  }
}

}  // namespace
}  // namespace coda::nas
