// The HwConfig schema and loader: shipped defaults, every class of error with its exact message, base chains,
// overrides, set_param, round trips and the fingerprint.
#include "sim/config/hw_loader.h"

#include <gmock/gmock.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/config/hw_schema.h"

namespace coda::config {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The "error: ..." lines a load prints (empty when it succeeds).
std::vector<std::string> errors_of(const std::function<void()>& load) {
  try {
    load();
  } catch (const InputError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics()) out.push_back("error: " + d.str());
    return out;
  }
  return {};
}

std::vector<std::string> load_errors(const std::string& path, const std::vector<std::string>& overrides = {}) {
  return errors_of([&] { load_hw_config(path, overrides); });
}

// Tests run from the repository root (paths in messages are relative to it) and write scratch files to a
// directory of their own.
class HwLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::current_path(CODA_SOURCE_DIR);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / fmt::format("coda_hw_loader_{}_{}", getpid(), info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  fs::path dir_;
};

std::string yaml_of(const HwConfig& c) { return to_yaml(c); }

// ---------------------------------------------------------------------------------------------------------
// Schema and shipped files

TEST_F(HwLoader, SchemaDeclaresEveryComponentWithDescribedKeys) {
  const auto& s = hw_schema();
  std::set<std::string> paths;
  std::vector<std::string> sections;
  for (const auto& sec : s.sections()) sections.push_back(sec.key);
  EXPECT_THAT(sections, ElementsAre("mesh", "scratchpad", "accumulator", "queue", "reservation_station", "dma",
                                    "dram", "normalizer", "activation_units", "host", "energy"));
  for (const auto& p : s.params()) {
    EXPECT_TRUE(paths.insert(p.path).second) << "duplicate " << p.path;
    EXPECT_FALSE(p.description.empty()) << p.path;
    EXPECT_TRUE(p.section().empty() || std::find(sections.begin(), sections.end(), p.section()) != sections.end())
        << p.path;
    EXPECT_FALSE(p.violation(p.default_value, format_value(p.default_value))) << p.path << " default out of range";
  }
  for (const auto& sec : s.sections()) EXPECT_FALSE(s.keys_in(sec.key).empty()) << sec.key;
  EXPECT_EQ(s.params()[0].path, "name");
  EXPECT_EQ(s.params()[1].path, "clock_ghz");
  EXPECT_EQ(s.params().size(), 65u);
  EXPECT_EQ(s.find("scratchpad.capacity_kb")->unit, "KiB");
  EXPECT_THAT(s.find("mesh.dataflow")->choices, ElementsAre("ws", "os", "both"));
}

TEST_F(HwLoader, DefaultsAreConsistent) {
  EXPECT_NO_THROW(validate(HwConfig{}));
  EXPECT_NO_THROW(default_hw_config_traced());
}

TEST_F(HwLoader, GemminiDefaultFileWritesEveryKeyWithTheBuiltInDefaults) {
  const LoadedHwConfig loaded = load_hw_config_traced("configs/hw/gemmini-default.yaml");
  EXPECT_EQ(yaml_of(loaded.config), yaml_of(HwConfig{}));
  for (const auto& p : hw_schema().params()) EXPECT_TRUE(loaded.origins.count(p.path)) << p.path << " not written";
  EXPECT_THAT(loaded.files, ElementsAre("configs/hw/gemmini-default.yaml"));
}

TEST_F(HwLoader, GemminiPublishedDefaults) {
  const HwConfig c = load_hw_config("configs/hw/gemmini-default.yaml");
  EXPECT_EQ(c.mesh.rows, 16);
  EXPECT_EQ(c.mesh.cols, 16);
  EXPECT_EQ(c.mesh.dataflow, Dataflow::Both);
  EXPECT_EQ(c.scratchpad.capacity_kb, 256);
  EXPECT_EQ(c.scratchpad.banks, 4);
  EXPECT_EQ(c.scratchpad.ports, 1);
  EXPECT_EQ(c.sp_rows(), 16384);
  EXPECT_EQ(c.accumulator.capacity_kb, 64);
  EXPECT_EQ(c.accumulator.banks, 2);
  EXPECT_EQ(c.accumulator.ports, 2);
  EXPECT_EQ(c.acc_rows(), 1024);
  EXPECT_EQ(c.queue.load, 8);
  EXPECT_EQ(c.queue.execute, 8);
  EXPECT_EQ(c.queue.store, 2);
  EXPECT_EQ(c.reservation_station.load_entries, 8);
  EXPECT_EQ(c.reservation_station.execute_entries, 16);
  EXPECT_EQ(c.reservation_station.store_entries, 4);
  EXPECT_EQ(c.dma.bus_bits, 128);
  EXPECT_EQ(c.dma.max_in_flight, 16);
  EXPECT_EQ(c.dma.max_request_bytes, 64);
  EXPECT_EQ(c.scratchpad.read_latency_cycles, 4);
  EXPECT_EQ(c.accumulator.read_latency_cycles, 2);
  EXPECT_EQ(c.accumulator.write_latency_cycles, 2);
  EXPECT_EQ(c.mesh.output_delay_cycles, 1);
  EXPECT_EQ(c.accumulator.scale_latency_cycles, 8);
  EXPECT_EQ(c.dma.mvin_scale_latency_cycles, 4);
  EXPECT_EQ(c.normalizer.lanes, 4);
  EXPECT_EQ(c.activation_units.latency_cycles, 2);
  EXPECT_FALSE(c.normalizer.enabled);
  EXPECT_FALSE(c.activation_units.enabled);
}

TEST_F(HwLoader, CheckedInReferenceEqualsTheGenerator) {
  EXPECT_TRUE(read_text("docs/config-reference.md") == hw_reference_markdown())
      << "docs/config-reference.md is stale: run `coda config docs -o docs/config-reference.md`";
}

TEST_F(HwLoader, EveryShippedAndGoodConfigLoads) {
  for (const auto* dir : {"configs/hw", "tests/data/good"})
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".yaml") {
        EXPECT_THAT(load_errors(e.path().string()), ElementsAre()) << e.path();
      }
}

// ---------------------------------------------------------------------------------------------------------
// Every class of error: tests/data/bad/X.yaml with its exact output in X.expected

TEST_F(HwLoader, EveryBadConfigGivesItsExpectedMessages) {
  int count = 0;
  for (const auto& e : fs::directory_iterator("tests/data/bad")) {
    if (e.path().extension() != ".yaml") continue;
    const fs::path expected = fs::path(e.path()).replace_extension(".expected");
    ASSERT_TRUE(fs::exists(expected)) << expected;
    const std::string path = (fs::path("tests/data/bad") / e.path().filename()).string();
    EXPECT_EQ(load_errors(path), lines_of(read_text(expected))) << path;
    ++count;
  }
  EXPECT_GE(count, 20);
}

TEST_F(HwLoader, UnknownKeysSuggestTheClosest) {
  EXPECT_THAT(load_errors("tests/data/bad/unknown_key.yaml"),
              ElementsAre("error: tests/data/bad/unknown_key.yaml:3:1: clock_mhz: unknown key; did you mean "
                          "'clock_ghz'?",
                          "error: tests/data/bad/unknown_key.yaml:4:1: scratchpd: unknown key; did you mean "
                          "'scratchpad'?",
                          "error: tests/data/bad/unknown_key.yaml:7:3: scratchpad.capacity: unknown key; did you mean "
                          "'scratchpad.capacity_kb'?",
                          "error: tests/data/bad/unknown_key.yaml:8:3: scratchpad.size_kb: unknown key; valid keys in "
                          "'scratchpad': capacity_kb, banks, ports, read_latency_cycles, write_latency_cycles",
                          "error: tests/data/bad/unknown_key.yaml:10:3: dma.latency_cycles: unknown key; did you mean "
                          "'dram.latency_cycles'?",
                          "error: tests/data/bad/unknown_key.yaml:11:1: cache: unknown key; valid top-level keys: "
                          "name, clock_ghz, mesh, scratchpad, accumulator, queue, reservation_station, dma, dram, "
                          "normalizer, activation_units, host, energy"));
}

TEST_F(HwLoader, OutOfRangeNamesTheKeyLineAndColumn) {
  EXPECT_THAT(load_errors("tests/data/bad/out_of_range.yaml"),
              ::testing::Contains("error: tests/data/bad/out_of_range.yaml:4:3: scratchpad.capacity_kb: must be >= 1, "
                                  "got 0"));
}

TEST_F(HwLoader, MissingFileAndDirectory) {
  EXPECT_THAT(load_errors("tests/data/bad/no-such-file.yaml"),
              ElementsAre("error: tests/data/bad/no-such-file.yaml: file not found"));
  EXPECT_THAT(load_errors("tests/data/bad"), ElementsAre("error: tests/data/bad: file is a directory, not a YAML file"));
}

TEST_F(HwLoader, WhitespaceOnlyFileIsEmpty) {
  const std::string p = write("blank.yaml", "\n   \n");
  EXPECT_THAT(load_errors(p), ElementsAre("error: " + p + ": file is empty; expected a map of config keys"));
  const std::string q = write("scalar.yaml", "hello\n");
  EXPECT_THAT(load_errors(q), ElementsAre("error: " + q + ":1:1: top level must be a map of config keys, got 'hello'"));
}

TEST_F(HwLoader, MalformedYamlNeverCrashes) {
  for (const char* text : {"a: [1,\n", "mesh:\n  rows: 1\n bad\n", "key: 'unterminated\n", "{\n", "a: b: c\n",
                           "\t- x\n", "- a\nb: c\n", "&anchor\n*alias: 1\n"}) {
    const std::string p = write("m.yaml", text);
    const auto errs = load_errors(p);
    ASSERT_FALSE(errs.empty()) << text;
    EXPECT_THAT(errs[0], HasSubstr("error: " + p)) << text;
  }
}

TEST_F(HwLoader, AllErrorsOfAFileAndItsBaseAreReportedTogether) {
  write("base.yaml", "mesh:\n  rows: big\n");
  const std::string child = write("child.yaml", "base: base.yaml\nclock_ghz: -1\nmesh:\n  colls: 16\n");
  const std::string base = (dir_ / "base.yaml").string();
  EXPECT_THAT(load_errors(child, {"queue.load=0"}),
              ElementsAre("error: " + base + ":2:3: mesh.rows: expected an integer, got 'big'",
                          "error: " + child + ":2:1: clock_ghz: must be > 0, got -1",
                          "error: " + child + ":4:3: mesh.colls: unknown key; did you mean 'mesh.cols'?",
                          "error: <-p queue.load=0>: queue.load: must be >= 1, got 0"));
}

// ---------------------------------------------------------------------------------------------------------
// base: chains

TEST_F(HwLoader, BaseChainExtendsKeyByKey) {
  const LoadedHwConfig l = load_hw_config_traced("tests/data/good/large_mesh.yaml");
  const HwConfig& c = l.config;
  EXPECT_EQ(c.name, "ibert-32x32");                  // large_mesh.yaml
  EXPECT_EQ(c.mesh.rows, 32);                        // large_mesh.yaml
  EXPECT_EQ(c.accumulator.capacity_kb, 256);         // large_mesh.yaml over ibert.yaml's 128
  EXPECT_EQ(c.mesh.dataflow, Dataflow::WS);          // ibert.yaml
  EXPECT_TRUE(c.normalizer.enabled);                 // ibert.yaml
  EXPECT_EQ(c.scratchpad.banks, 4);                  // gemmini-default.yaml
  EXPECT_DOUBLE_EQ(c.dram.bytes_per_cycle, 32.5);    // large_mesh.yaml
  EXPECT_THAT(l.files, ElementsAre("configs/hw/gemmini-default.yaml", "tests/data/good/ibert.yaml",
                                   "tests/data/good/large_mesh.yaml"));
  EXPECT_EQ(l.origins.at("accumulator.capacity_kb").file, "tests/data/good/large_mesh.yaml");
  EXPECT_EQ(l.origins.at("accumulator.capacity_kb").line, 10);
  EXPECT_EQ(l.origins.at("mesh.dataflow").file, "tests/data/good/ibert.yaml");
  EXPECT_EQ(l.origins.at("scratchpad.banks").file, "configs/hw/gemmini-default.yaml");
}

TEST_F(HwLoader, BaseIsRelativeToItsOwnFileAndMayBeAbsolute) {
  fs::create_directories(dir_ / "sub" / "deeper");
  write("sub/deeper/root.yaml", "scratchpad: {capacity_kb: 512}\n");
  write("sub/mid.yaml", "base: deeper/root.yaml\nqueue: {load: 4}\n");
  const std::string top = write("top.yaml", "base: sub/mid.yaml\nname: top\n");
  const HwConfig c = load_hw_config(top);
  EXPECT_EQ(c.scratchpad.capacity_kb, 512);
  EXPECT_EQ(c.queue.load, 4);
  const std::string abs = write("abs.yaml", "base: " + (dir_ / "sub" / "mid.yaml").string() + "\n");
  EXPECT_EQ(load_hw_config(abs).queue.load, 4);
}

TEST_F(HwLoader, AChildMayFixItsBasesInconsistency) {
  write("half.yaml", "mesh:\n  rows: 32\n");
  EXPECT_THAT(load_errors((dir_ / "half.yaml").string()),
              ElementsAre("error: " + (dir_ / "half.yaml").string() +
                          ":2:3: mesh.rows: mesh must be square (DIM x DIM), got 32 rows x 16 cols"));
  const std::string child = write("child.yaml", "base: half.yaml\nmesh:\n  cols: 32\n");
  EXPECT_EQ(load_hw_config(child).dim(), 32);
}

TEST_F(HwLoader, BaseCycles) {
  const std::string self = write("self.yaml", "base: self.yaml\n");
  EXPECT_THAT(load_errors(self),
              ElementsAre("error: " + self + ":1:1: base: cycle in base chain: " + self + " -> " + self));
  // The same file reached twice without a cycle (a diamond is impossible with one base) is fine: a -> b, b -> c.
  write("c.yaml", "name: c\n");
  write("b.yaml", "base: c.yaml\n");
  const std::string a = write("a.yaml", "base: b.yaml\n");
  EXPECT_EQ(load_hw_config(a).name, "c");
  // A cycle reached through a differently spelled path is still a cycle.
  fs::create_directories(dir_ / "d");
  write("d/x.yaml", "base: ../d/y.yaml\n");
  const std::string y = write("d/y.yaml", "base: ./x.yaml\n");
  const auto errs = load_errors(y);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_THAT(errs[0], HasSubstr("base: cycle in base chain: " + y + " -> "));
}

TEST_F(HwLoader, BaseProblems) {
  const std::string dup = write("dup.yaml", "base: a.yaml\nbase: b.yaml\n");
  write("a.yaml", "name: a\n");
  EXPECT_THAT(load_errors(dup), ElementsAre("error: " + dup + ":2:1: base: duplicate key"));
  const std::string empty = write("empty_base.yaml", "base:\n");
  EXPECT_THAT(load_errors(empty),
              ElementsAre("error: " + empty + ":1:1: base: expected a file name, got an empty value"));
  write("broken.yaml", "mesh: [\n");
  const std::string child = write("child.yaml", "base: broken.yaml\nname: x\n");
  const auto errs = load_errors(child);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_THAT(errs[0], HasSubstr((dir_ / "broken.yaml").string() + ":2:1: invalid YAML: "));
}

// ---------------------------------------------------------------------------------------------------------
// Inconsistency errors point at the key that the input set

TEST_F(HwLoader, InconsistencyBlamesTheKeySetLast) {
  // The scratchpad rule names scratchpad.capacity_kb, then mesh.rows. With only the mesh size set, mesh.rows is
  // blamed.
  const std::string big =
      write("big.yaml", "mesh:\n  rows: 512\n  cols: 512\naccumulator: {capacity_kb: 2048}\n");
  EXPECT_THAT(load_errors(big), ElementsAre("error: " + big +
                                            ":2:3: mesh.rows: scratchpad of 256 KiB cannot hold two 512x512 tiles "
                                            "of 8-bit inputs (needs >= 512 KiB)"));
  // Set in the same file, the rule's first key is blamed.
  const std::string both = write("both.yaml",
                                 "mesh:\n  rows: 512\n  cols: 512\naccumulator: {capacity_kb: 2048}\n"
                                 "scratchpad: {capacity_kb: 256}\n");
  EXPECT_THAT(load_errors(both), ElementsAre("error: " + both +
                                             ":5:14: scratchpad.capacity_kb: scratchpad of 256 KiB cannot hold two "
                                             "512x512 tiles of 8-bit inputs (needs >= 512 KiB)"));
  // An override is blamed over a file, a file over its base.
  EXPECT_THAT(load_errors("configs/hw/gemmini-default.yaml",
                          {"mesh.rows=512", "mesh.cols=512", "accumulator.capacity_kb=2048"}),
              ElementsAre("error: <-p mesh.rows=512>: mesh.rows: scratchpad of 256 KiB cannot hold two 512x512 tiles "
                          "of 8-bit inputs (needs >= 512 KiB)"));
  EXPECT_THAT(load_errors(big, {"scratchpad.capacity_kb=64"}),
              ElementsAre("error: <-p scratchpad.capacity_kb=64>: scratchpad.capacity_kb: scratchpad of 64 KiB cannot "
                          "hold two 512x512 tiles of 8-bit inputs (needs >= 512 KiB)"));
  const std::string child = write("child.yaml", "base: both.yaml\nmesh: {cols: 512}\n");
  EXPECT_THAT(load_errors(child), ElementsAre("error: " + child +
                                              ":2:8: mesh.cols: scratchpad of 256 KiB cannot hold two 512x512 tiles "
                                              "of 8-bit inputs (needs >= 512 KiB)"));
}

TEST_F(HwLoader, KeysWithBadValuesDoNotCascadeIntoConsistencyErrors) {
  const std::string p = write("p.yaml", "mesh:\n  rows: 12\n  cols: 16\n");
  EXPECT_THAT(load_errors(p), ElementsAre("error: " + p + ":2:3: mesh.rows: must be a power of two, got 12"));
}

// ---------------------------------------------------------------------------------------------------------
// Overrides

TEST_F(HwLoader, OverridesApplyAfterFiles) {
  const LoadedHwConfig l = load_hw_config_traced(
      "tests/data/good/ibert.yaml", {"scratchpad.capacity_kb=512", "mesh.dataflow=os", "dram.bytes_per_cycle=8",
                                     "normalizer.enabled=false", "name=tuned", " queue.store = 4"});
  EXPECT_EQ(l.config.scratchpad.capacity_kb, 512);
  EXPECT_EQ(l.config.mesh.dataflow, Dataflow::OS);
  EXPECT_DOUBLE_EQ(l.config.dram.bytes_per_cycle, 8.0);
  EXPECT_FALSE(l.config.normalizer.enabled);
  EXPECT_EQ(l.config.name, "tuned");
  EXPECT_EQ(l.config.queue.store, 4);
  EXPECT_EQ(l.origins.at("scratchpad.capacity_kb").file, "<-p scratchpad.capacity_kb=512>");
  EXPECT_EQ(l.origins.at("scratchpad.capacity_kb").line, 0);
  // Later overrides of the same key win.
  EXPECT_EQ(load_hw_config("configs/hw/gemmini-default.yaml", {"queue.load=2", "queue.load=3"}).queue.load, 3);
}

TEST_F(HwLoader, OverrideErrorsAreNamedByOrigin) {
  EXPECT_THAT(load_errors("configs/hw/gemmini-default.yaml",
                          {"scratchpad.capacity_kb=0", "scratchpad.capacty_kb=3", "mesh.rows=1.5", "mesh.dataflow=diag",
                           "mesh=3", "clock_ghz", "=5", "base=other.yaml", "name=", "mesh.cols=[16", "foo.bar=1",
                           "normalizer.enabled=maybe"}),
              ElementsAre("error: <-p scratchpad.capacity_kb=0>: scratchpad.capacity_kb: must be >= 1, got 0",
                          "error: <-p scratchpad.capacty_kb=3>: scratchpad.capacty_kb: unknown key; did you mean "
                          "'scratchpad.capacity_kb'?",
                          "error: <-p mesh.rows=1.5>: mesh.rows: expected an integer, got '1.5'",
                          "error: <-p mesh.dataflow=diag>: mesh.dataflow: must be one of ws, os, both; got 'diag'",
                          "error: <-p mesh=3>: mesh: is a component, not a key; set one of its keys, e.g. mesh.rows",
                          "error: <-p clock_ghz>: expected KEY=VALUE, e.g. scratchpad.capacity_kb=512",
                          "error: <-p =5>: expected KEY=VALUE, e.g. scratchpad.capacity_kb=512",
                          "error: <-p base=other.yaml>: base: can only be set in a file",
                          "error: <-p name=>: name: expected a string, got an empty value",
                          "error: <-p mesh.cols=[16>: mesh.cols: invalid value '[16': end of sequence flow not found",
                          "error: <-p foo.bar=1>: foo.bar: unknown key; 'foo' is not a component; valid top-level "
                          "keys: name, clock_ghz, mesh, scratchpad, accumulator, queue, reservation_station, dma, "
                          "dram, normalizer, activation_units, host, energy",
                          "error: <-p normalizer.enabled=maybe>: normalizer.enabled: expected a boolean (true or "
                          "false), got 'maybe'"));
}

TEST_F(HwLoader, OverridesAreCheckedForConsistency) {
  EXPECT_THAT(load_errors("configs/hw/gemmini-default.yaml", {"mesh.rows=32"}),
              ElementsAre("error: <-p mesh.rows=32>: mesh.rows: mesh must be square (DIM x DIM), got 32 rows x 16 "
                          "cols"));
  EXPECT_EQ(load_hw_config("configs/hw/gemmini-default.yaml", {"mesh.rows=32", "mesh.cols=32"}).dim(), 32);
}

TEST_F(HwLoader, DefaultsPlusOverrides) {
  const LoadedHwConfig l = default_hw_config_traced({"clock_ghz=2"});
  EXPECT_DOUBLE_EQ(l.config.clock_ghz, 2.0);
  EXPECT_TRUE(l.files.empty());
  EXPECT_THAT(errors_of([] { default_hw_config_traced({"clock_ghz=0"}); }),
              ElementsAre("error: <-p clock_ghz=0>: clock_ghz: must be > 0, got 0"));
}

TEST_F(HwLoader, ParseFromText) {
  const HwConfig c = parse_hw_config("mesh: {rows: 8, cols: 8}\n", "inline");
  EXPECT_EQ(c.dim(), 8);
  EXPECT_THAT(errors_of([] { parse_hw_config("mesh: {rows: 0}\n", "inline"); }),
              ElementsAre("error: inline:1:8: mesh.rows: must be >= 1, got 0"));
}

// ---------------------------------------------------------------------------------------------------------
// set_param / apply_overrides / get_param / validate

TEST_F(HwLoader, SetParamValidates) {
  HwConfig c;
  set_param(c, "scratchpad.capacity_kb", "512");
  EXPECT_EQ(c.scratchpad.capacity_kb, 512);
  set_param(c, "mesh.dataflow", "ws");
  EXPECT_EQ(c.mesh.dataflow, Dataflow::WS);
  set_param(c, "dram.bytes_per_cycle", "12.5");
  EXPECT_DOUBLE_EQ(c.dram.bytes_per_cycle, 12.5);

  const HwConfig before = c;
  EXPECT_THAT(errors_of([&] { set_param(c, "scratchpad.capacity_kb", "0"); }),
              ElementsAre("error: <scratchpad.capacity_kb=0>: scratchpad.capacity_kb: must be >= 1, got 0"));
  EXPECT_THAT(errors_of([&] { set_param(c, "scratchpad.capacity", "1"); }),
              ElementsAre("error: <scratchpad.capacity=1>: scratchpad.capacity: unknown key; did you mean "
                          "'scratchpad.capacity_kb'?"));
  EXPECT_THAT(errors_of([&] { set_param(c, "mesh.rows", "32", "<--sweep mesh.rows=32>"); }),
              ElementsAre("error: <--sweep mesh.rows=32>: mesh.rows: mesh must be square (DIM x DIM), got 32 rows x "
                          "16 cols"));
  EXPECT_EQ(yaml_of(c), yaml_of(before));  // unchanged by failed calls
}

TEST_F(HwLoader, ApplyOverridesChangesCoupledKeysTogether) {
  HwConfig c;
  apply_overrides(c, {"mesh.rows=64", "mesh.cols=64"});
  EXPECT_EQ(c.dim(), 64);
  EXPECT_THAT(errors_of([&] { apply_overrides(c, {"mesh.rows=8"}); }),
              ElementsAre("error: <-p mesh.rows=8>: mesh.rows: mesh must be square (DIM x DIM), got 8 rows x 64 cols"));
  EXPECT_EQ(c.dim(), 64);
}

TEST_F(HwLoader, GetParam) {
  HwConfig c;
  EXPECT_EQ(get_param(c, "mesh.rows"), "16");
  EXPECT_EQ(get_param(c, "clock_ghz"), "1.0");
  EXPECT_EQ(get_param(c, "mesh.dataflow"), "both");
  EXPECT_EQ(get_param(c, "normalizer.enabled"), "false");
  EXPECT_THAT(errors_of([&] { get_param(c, "mesh.row"); }),
              ElementsAre("error: <input>: mesh.row: unknown key; did you mean 'mesh.rows'?"));
}

TEST_F(HwLoader, ValidateCodeBuiltConfigs) {
  HwConfig c;
  c.scratchpad.banks = 0;
  c.dram.bytes_per_cycle = 0;
  EXPECT_THAT(errors_of([&] { validate(c, "<nas gene>"); }),
              ElementsAre("error: <nas gene>: scratchpad.banks: must be >= 1, got 0",
                          "error: <nas gene>: dram.bytes_per_cycle: must be > 0, got 0.0"));
  HwConfig d;
  d.accumulator.capacity_kb = 1;
  EXPECT_THAT(errors_of([&] { validate(d); }),
              ElementsAre("error: <config>: accumulator.capacity_kb: accumulator of 1 KiB cannot hold two 16x16 tiles "
                          "of 32-bit entries (needs >= 2 KiB)"));
}

// ---------------------------------------------------------------------------------------------------------
// Outputs

HwConfig unusual_config() {
  HwConfig c;
  c.name = "odd \"name\": with \\ and # and\ttab";
  c.clock_ghz = 0.1;
  c.dram.bytes_per_cycle = 123456.789 / 100;
  c.energy.mac_pj = 1e-7;
  c.energy.dram_pj_per_byte = 1.0 / 3.0;
  c.mesh.dataflow = Dataflow::OS;
  c.normalizer.enabled = true;
  c.activation_units.enabled = true;
  c.mesh.rows = c.mesh.cols = 8;
  return c;
}

TEST_F(HwLoader, YamlRoundTrips) {
  for (const HwConfig& c : {HwConfig{}, load_hw_config("tests/data/good/large_mesh.yaml"), unusual_config()}) {
    const std::string yaml = to_yaml(c);
    const HwConfig back = parse_hw_config(yaml, "<round trip>");
    EXPECT_EQ(to_yaml(back), yaml);
    EXPECT_EQ(back.name, c.name);
    EXPECT_EQ(back.energy.dram_pj_per_byte, c.energy.dram_pj_per_byte);  // bit-exact doubles
    EXPECT_EQ(fingerprint(back), fingerprint(c));
  }
  // Through a file as well.
  const std::string p = write("resolved.yaml", to_yaml(unusual_config()));
  EXPECT_EQ(to_yaml(load_hw_config(p)), to_yaml(unusual_config()));
}

TEST_F(HwLoader, YamlListsEveryKeyBySection) {
  const std::string yaml = to_yaml(HwConfig{});
  EXPECT_THAT(yaml, HasSubstr("name: \"gemmini-default\"\nclock_ghz: 1.0\n\nmesh:\n  rows: 16\n  cols: 16\n"));
  EXPECT_THAT(yaml, HasSubstr("\nscratchpad:\n  capacity_kb: 256\n"));
  EXPECT_THAT(yaml, HasSubstr("\ndram:\n  impl: simple\n  latency_cycles: 100\n  bytes_per_cycle: 16.0\n"));
  EXPECT_THAT(yaml, HasSubstr("# Resolved hardware config (fingerprint " + fingerprint(HwConfig{}) + ")."));
}

TEST_F(HwLoader, JsonFollowsSchemaOrder) {
  const auto j = to_json(HwConfig{});
  std::vector<std::string> top;
  for (const auto& [k, v] : j.items()) top.push_back(k);
  EXPECT_THAT(top, ElementsAre("name", "clock_ghz", "mesh", "scratchpad", "accumulator", "queue", "reservation_station",
                               "dma", "dram", "normalizer", "activation_units", "host", "energy"));
  std::vector<std::string> mesh;
  for (const auto& [k, v] : j["mesh"].items()) mesh.push_back(k);
  EXPECT_THAT(mesh, ElementsAre("rows", "cols", "dataflow", "input_bits", "acc_bits", "spatial_acc_bits",
                                "output_delay_cycles", "tile_latency_cycles"));
  EXPECT_EQ(j["mesh"]["rows"], 16);
  EXPECT_TRUE(j["mesh"]["rows"].is_number_integer());
  EXPECT_EQ(j["mesh"]["dataflow"], "both");
  EXPECT_TRUE(j["clock_ghz"].is_number_float());
  EXPECT_EQ(j["normalizer"]["enabled"], false);
  EXPECT_EQ(j.dump().find("\"name\":\"gemmini-default\",\"clock_ghz\":1.0,\"mesh\":{\"rows\":16"), 1u);
}

TEST_F(HwLoader, FingerprintIsStableAndIgnoresTheName) {
  HwConfig a, b;
  EXPECT_EQ(fingerprint(a), fingerprint(b));
  EXPECT_EQ(fingerprint(a).size(), 16u);
  EXPECT_EQ(fingerprint(a).find_first_not_of("0123456789abcdef"), std::string::npos);
  b.name = "renamed";
  EXPECT_EQ(fingerprint(a), fingerprint(b));
  EXPECT_EQ(fingerprint(load_hw_config("configs/hw/gemmini-default.yaml")), fingerprint(a));
}

TEST_F(HwLoader, FingerprintChangesWithEveryValue) {
  const auto& s = hw_schema();
  const std::string base = fingerprint(HwConfig{});
  std::set<std::string> seen{base};
  for (std::size_t i = 0; i < s.params().size(); ++i) {
    const auto& p = s.params()[i];
    if (p.path == "name") continue;
    HwConfig c;
    const Value v = s.get(i, c);
    Value changed = v;
    switch (p.type) {
      case ParamType::Int: changed = std::get<int64_t>(v) + 1; break;
      case ParamType::Float: changed = std::get<double>(v) * 1.5 + 0.25; break;
      case ParamType::Bool: changed = !std::get<bool>(v); break;
      case ParamType::Enum:
        if (p.choices.size() < 2) continue;
        changed = p.choices[0] == std::get<std::string>(v) ? p.choices[1] : p.choices[0];
        break;
      case ParamType::String: changed = std::get<std::string>(v) + "x"; break;
    }
    s.set(i, c, changed);
    EXPECT_TRUE(seen.insert(fingerprint(c)).second) << p.path << " does not change the fingerprint";
  }
}

TEST_F(HwLoader, TableShowsEveryKeyUnitSourceAndMarksChanges) {
  const LoadedHwConfig l = load_hw_config_traced("tests/data/good/ibert.yaml", {"queue.load=4"});
  const std::string table = format_table(l);
  for (const auto& p : hw_schema().params()) EXPECT_THAT(table, HasSubstr(p.path + " ")) << p.path;
  EXPECT_THAT(table, HasSubstr("config:      gemmini-ibert\n"));
  EXPECT_THAT(table, HasSubstr("files:       configs/hw/gemmini-default.yaml, tests/data/good/ibert.yaml\n"));
  EXPECT_THAT(table, HasSubstr("fingerprint: " + fingerprint(l.config) + "\n"));
  const auto lines = lines_of(table);
  auto line_of = [&](const std::string& key) {
    for (const auto& line : lines)
      if (line.rfind(key + " ", 0) == 0) return line;
    return std::string();
  };
  EXPECT_THAT(line_of("accumulator.capacity_kb"), ::testing::MatchesRegex(
                                                      "accumulator\\.capacity_kb +\\* 128 +KiB +tests/data/good/"
                                                      "ibert\\.yaml:8 +Capacity \\(Gemmini acc_capacity\\)"));
  EXPECT_THAT(line_of("queue.load"), ::testing::MatchesRegex("queue\\.load +\\* 4 +entries +<-p queue\\.load=4> +.*"));
  EXPECT_THAT(line_of("scratchpad.banks"),
              ::testing::MatchesRegex("scratchpad\\.banks +4 +- +configs/hw/gemmini-default\\.yaml:24 +.*"));
  // Columns are aligned: every value starts at the same column.
  const auto value_col = line_of("name").find("gemmini-ibert");
  EXPECT_EQ(line_of("mesh.rows").find("16"), value_col);
  EXPECT_EQ(line_of("energy.static_pw_per_cycle_pj").find("50.0"), value_col);
  EXPECT_THAT(format_table(default_hw_config_traced()), HasSubstr("files:       (none: built-in defaults)\n"));
  EXPECT_THAT(format_table(default_hw_config_traced()),
              ::testing::ContainsRegex("\nmesh\\.rows +16 +PEs +default +Rows of processing elements"));
}

}  // namespace
}  // namespace coda::config
