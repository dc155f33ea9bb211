// The generic typed parameter schema (sim/config/schema.h), on a small config struct of its own.
#include "sim/config/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace coda::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

enum class Mode { Fast, Slow };

struct ToyConfig {
  std::string name = "toy";
  int64_t count = 4;
  double rate = 1.5;
  bool on = false;
  Mode mode = Mode::Fast;
  std::string impl = "a";
  struct {
    int64_t banks = 2;
    int64_t depth = 8;
  } memory;
};

Schema<ToyConfig> toy_schema() {
  Schema<ToyConfig> s;
  s.param("name", [](auto& c) -> auto& { return c.name; }).describe("Name");
  s.param("count", [](auto& c) -> auto& { return c.count; }).unit("units").range(1, 64).describe("How many");
  s.param("rate", [](auto& c) -> auto& { return c.rate; }).unit("GHz").greater_than(0).describe("Rate | speed");
  s.param("on", [](auto& c) -> auto& { return c.on; }).describe("Switch");
  s.enum_param<Mode>("mode", [](auto& c) -> auto& { return c.mode; }, {{"fast", Mode::Fast}, {"slow", Mode::Slow}})
      .describe("Mode");
  s.param("impl", [](auto& c) -> auto& { return c.impl; }).choices({"a", "b"}).describe("Implementation");
  s.section("memory", "The memory.");
  s.param("memory.banks", [](auto& c) -> auto& { return c.memory.banks; }).min(1).power_of_two().describe("Banks");
  s.param("memory.depth", [](auto& c) -> auto& { return c.memory.depth; }).max(1024).describe("Rows per bank");
  s.check("`memory.banks` divides `memory.depth`.", [](const ToyConfig& c, std::vector<Issue>& out) {
    if (c.memory.banks > 0 && c.memory.depth % c.memory.banks != 0)
      out.push_back({{"memory.banks", "memory.depth"}, "banks must divide the depth"});
  });
  return s;
}

const ParamSpec& spec(const Schema<ToyConfig>& s, const std::string& path) { return *s.find(path); }

Conversion conv(const Schema<ToyConfig>& s, const std::string& path, const std::string& yaml) {
  return convert(spec(s, path), YAML::Load(yaml));
}

TEST(ConfigSchema, TypesAndDefaultsComeFromTheStruct) {
  auto s = toy_schema();
  ASSERT_EQ(s.params().size(), 8u);
  EXPECT_EQ(spec(s, "name").type, ParamType::String);
  EXPECT_EQ(spec(s, "count").type, ParamType::Int);
  EXPECT_EQ(spec(s, "rate").type, ParamType::Float);
  EXPECT_EQ(spec(s, "on").type, ParamType::Bool);
  EXPECT_EQ(spec(s, "mode").type, ParamType::Enum);
  EXPECT_EQ(spec(s, "impl").type, ParamType::Enum);
  EXPECT_EQ(spec(s, "name").default_value, Value(std::string("toy")));
  EXPECT_EQ(spec(s, "count").default_value, Value(int64_t{4}));
  EXPECT_EQ(spec(s, "rate").default_value, Value(1.5));
  EXPECT_EQ(spec(s, "on").default_value, Value(false));
  EXPECT_EQ(spec(s, "mode").default_value, Value(std::string("fast")));
  EXPECT_THAT(spec(s, "mode").choices, ElementsAre("fast", "slow"));
  EXPECT_EQ(spec(s, "count").unit, "units");
  EXPECT_EQ(spec(s, "memory.banks").section(), "memory");
  EXPECT_EQ(spec(s, "memory.banks").leaf(), "banks");
  EXPECT_EQ(spec(s, "count").section(), "");
}

TEST(ConfigSchema, GetAndSetGoThroughTheBinding) {
  auto s = toy_schema();
  ToyConfig c;
  s.set(*s.index_of("count"), c, int64_t{7});
  s.set(*s.index_of("rate"), c, 2.25);
  s.set(*s.index_of("on"), c, true);
  s.set(*s.index_of("mode"), c, std::string("slow"));
  s.set(*s.index_of("memory.depth"), c, int64_t{16});
  EXPECT_EQ(c.count, 7);
  EXPECT_EQ(c.rate, 2.25);
  EXPECT_TRUE(c.on);
  EXPECT_EQ(c.mode, Mode::Slow);
  EXPECT_EQ(c.memory.depth, 16);
  EXPECT_EQ(s.get(*s.index_of("mode"), c), Value(std::string("slow")));
  EXPECT_EQ(s.get(*s.index_of("memory.depth"), c), Value(int64_t{16}));
}

TEST(ConfigSchema, RangeText) {
  auto s = toy_schema();
  EXPECT_EQ(spec(s, "count").range_text(), "1 .. 64");
  EXPECT_EQ(spec(s, "rate").range_text(), "> 0");
  EXPECT_EQ(spec(s, "memory.banks").range_text(), ">= 1, power of two");
  EXPECT_EQ(spec(s, "memory.depth").range_text(), "<= 1024");
  EXPECT_EQ(spec(s, "mode").range_text(), "fast, slow");
  EXPECT_EQ(spec(s, "name").range_text(), "");
}

TEST(ConfigSchema, FormatValueIsCanonical) {
  EXPECT_EQ(format_value(int64_t{16}), "16");
  EXPECT_EQ(format_value(int64_t{-3}), "-3");
  EXPECT_EQ(format_value(16.0), "16.0");
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(format_value(1e-7), "1e-07");
  EXPECT_EQ(format_value(true), "true");
  EXPECT_EQ(format_value(std::string("ws")), "ws");
}

TEST(ConfigSchema, ConvertsIntegers) {
  auto s = toy_schema();
  EXPECT_EQ(*conv(s, "count", "16").value, Value(int64_t{16}));
  EXPECT_EQ(*conv(s, "count", "0x10").value, Value(int64_t{16}));
  EXPECT_EQ(*conv(s, "count", "+3").value, Value(int64_t{3}));
  EXPECT_EQ(conv(s, "count", "1.5").error, "expected an integer, got '1.5'");
  EXPECT_EQ(conv(s, "count", "16.0").error, "expected an integer, got '16.0'");
  EXPECT_EQ(conv(s, "count", "1e3").error, "expected an integer, got '1e3'");
  EXPECT_EQ(conv(s, "count", "abc").error, "expected an integer, got 'abc'");
  EXPECT_EQ(conv(s, "count", "\"16\"").error, "expected an integer, got the quoted string \"16\"");
  EXPECT_EQ(conv(s, "count", "{a: 1}").error, "expected an integer, got a map");
  EXPECT_EQ(conv(s, "count", "[1, 2]").error, "expected an integer, got a sequence");
  EXPECT_EQ(conv(s, "count", "").error, "expected an integer, got an empty value");
  EXPECT_EQ(conv(s, "count", "99999999999999999999").error,
            "expected an integer, got '99999999999999999999' (outside the 64-bit range)");
}

TEST(ConfigSchema, ConvertsFloatsBoolsStringsAndEnums) {
  auto s = toy_schema();
  EXPECT_EQ(*conv(s, "rate", "2").value, Value(2.0));
  EXPECT_EQ(*conv(s, "rate", "2.5").value, Value(2.5));
  EXPECT_EQ(*conv(s, "rate", "2.5e-1").value, Value(0.25));
  EXPECT_EQ(conv(s, "rate", "fast").error, "expected a number, got 'fast'");
  EXPECT_EQ(conv(s, "rate", ".inf").error, "expected a number, got '.inf'");
  EXPECT_EQ(conv(s, "rate", "1e999").error, "expected a finite number, got '1e999'");
  EXPECT_EQ(*conv(s, "on", "true").value, Value(true));
  EXPECT_EQ(*conv(s, "on", "False").value, Value(false));
  EXPECT_EQ(conv(s, "on", "yes").error, "expected a boolean (true or false), got 'yes'");
  EXPECT_EQ(conv(s, "on", "1").error, "expected a boolean (true or false), got '1'");
  EXPECT_EQ(*conv(s, "name", "123").value, Value(std::string("123")));
  EXPECT_EQ(*conv(s, "name", "\"a: b\"").value, Value(std::string("a: b")));
  EXPECT_EQ(conv(s, "name", "~").error, "expected a string, got an empty value");
  EXPECT_EQ(*conv(s, "mode", "slow").value, Value(std::string("slow")));
  EXPECT_EQ(conv(s, "mode", "medium").error, "must be one of fast, slow; got 'medium'");
  EXPECT_EQ(conv(s, "mode", "[fast]").error, "expected one of fast, slow, got a sequence");
  EXPECT_EQ(conv(s, "impl", "c").error, "must be one of a, b; got 'c'");
}

TEST(ConfigSchema, ChecksRanges) {
  auto s = toy_schema();
  EXPECT_EQ(conv(s, "count", "0").error, "must be >= 1, got 0");
  EXPECT_EQ(conv(s, "count", "65").error, "must be <= 64, got 65");
  EXPECT_TRUE(conv(s, "count", "64").value);
  EXPECT_EQ(conv(s, "rate", "0").error, "must be > 0, got 0");
  EXPECT_EQ(conv(s, "rate", "-0.5").error, "must be > 0, got -0.5");
  EXPECT_EQ(conv(s, "memory.banks", "6").error, "must be a power of two, got 6");
  EXPECT_EQ(conv(s, "memory.banks", "0").error, "must be >= 1, got 0");
  EXPECT_TRUE(conv(s, "memory.banks", "8").value);
  EXPECT_EQ(spec(s, "rate").violation(Value(std::nan("")), "nan"), "must be a finite number, got nan");
  EXPECT_EQ(spec(s, "rate").violation(Value(2.0), "2.0"), std::nullopt);
}

TEST(ConfigSchema, SuggestsTheClosestKey) {
  auto s = toy_schema();
  EXPECT_EQ(s.suggest("cout"), "count");
  EXPECT_EQ(s.suggest("memroy"), "memory");
  EXPECT_EQ(s.suggest("memory.bank"), "memory.banks");
  EXPECT_EQ(s.suggest("banks"), "memory.banks");  // the same name in a component
  EXPECT_EQ(s.suggest("zzzzzzzz"), "");
  EXPECT_EQ(s.unknown_key_message("memory.bnks"), "unknown key; did you mean 'memory.banks'?");
  EXPECT_EQ(s.unknown_key_message("memory.width_bytes"), "unknown key; valid keys in 'memory': banks, depth");
  EXPECT_EQ(s.unknown_key_message("network"),
            "unknown key; valid top-level keys: name, count, rate, on, mode, impl, memory");
  EXPECT_EQ(s.unknown_key_message("network.latency"),
            "unknown key; 'network' is not a component; valid top-level keys: name, count, rate, on, mode, impl, "
            "memory");
  EXPECT_TRUE(s.is_section("memory"));
  EXPECT_FALSE(s.is_section("memory.banks"));
  EXPECT_FALSE(s.is_section("mem"));
  EXPECT_THAT(s.keys_in("memory"), ElementsAre("banks", "depth"));
}

struct Read {
  std::vector<Assignment> out;
  std::vector<Diagnostic> diagnostics;
  std::vector<std::string> errored;
  std::vector<std::string> messages() const {
    std::vector<std::string> m;
    for (const auto& d : diagnostics) m.push_back(d.str());
    return m;
  }
};

Read read(const Schema<ToyConfig>& s, const std::string& yaml, std::vector<std::string> reserved = {}) {
  Read r;
  read_tree(s, YAML::Load(yaml), "toy.yaml", reserved, r.out, r.diagnostics, r.errored);
  return r;
}

TEST(ConfigSchema, ReadTreeAssignsWithOneBasedLocations) {
  auto s = toy_schema();
  Read r = read(s, "count: 8\nmemory:\n  banks: 4\n");
  EXPECT_TRUE(r.diagnostics.empty());
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_EQ(s.params()[r.out[0].param].path, "count");
  EXPECT_EQ(r.out[0].value, Value(int64_t{8}));
  EXPECT_EQ(r.out[0].loc.file, "toy.yaml");
  EXPECT_EQ(r.out[0].loc.line, 1);
  EXPECT_EQ(r.out[0].loc.column, 1);
  EXPECT_EQ(s.params()[r.out[1].param].path, "memory.banks");
  EXPECT_EQ(r.out[1].loc.line, 3);
  EXPECT_EQ(r.out[1].loc.column, 3);
}

TEST(ConfigSchema, ReadTreeReportsEveryProblemInDocumentOrder) {
  auto s = toy_schema();
  Read r = read(s,
                "count: many\n"
                "rat: 2\n"
                "memory:\n"
                "  banks: 3\n"
                "  depth: 16\n"
                "  depth: 32\n"
                "on: true\n"
                "mode: 5\n");
  EXPECT_THAT(r.messages(), ElementsAre("toy.yaml:1:1: count: expected an integer, got 'many'",
                                        "toy.yaml:2:1: rat: unknown key; did you mean 'rate'?",
                                        "toy.yaml:4:3: memory.banks: must be a power of two, got 3",
                                        "toy.yaml:6:3: memory.depth: duplicate key (first set at line 5)",
                                        "toy.yaml:8:1: mode: must be one of fast, slow; got '5'"));
  EXPECT_THAT(r.errored, ElementsAre("count", "rat", "memory.banks", "memory.depth", "mode"));
  ASSERT_EQ(r.out.size(), 2u);  // memory.depth: 16 and on: true
}

TEST(ConfigSchema, ReadTreeComponents) {
  auto s = toy_schema();
  EXPECT_THAT(read(s, "memory: 4\n").messages(), ElementsAre("toy.yaml:1:1: memory: expected a map of keys, got '4'"));
  EXPECT_THAT(read(s, "memory: [1]\n").messages(),
              ElementsAre("toy.yaml:1:1: memory: expected a map of keys, got a sequence"));
  EXPECT_TRUE(read(s, "memory:\n").diagnostics.empty());  // an empty component sets nothing
  EXPECT_THAT(read(s, "memory: {banks: {x: 1}}\n").messages(),
              ElementsAre("toy.yaml:1:10: memory.banks: expected an integer, got a map"));
  EXPECT_THAT(read(s, "[a, b]: 1\n").messages(), ElementsAre("toy.yaml:1:1: keys must be names, got a sequence"));
}

TEST(ConfigSchema, ReadTreeSkipsReservedTopLevelKeys) {
  auto s = toy_schema();
  Read r = read(s, "base: other.yaml\ncount: 2\nmemory: {base: 1}\n", {"base"});
  EXPECT_THAT(r.messages(),
              ElementsAre("toy.yaml:3:10: memory.base: unknown key; valid keys in 'memory': banks, depth"));
  ASSERT_EQ(r.out.size(), 1u);
}

TEST(ConfigSchema, RunChecks) {
  auto s = toy_schema();
  ToyConfig c;
  EXPECT_TRUE(s.run_checks(c).empty());
  c.memory.depth = 9;
  auto issues = s.run_checks(c);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_THAT(issues[0].keys, ElementsAre("memory.banks", "memory.depth"));
  EXPECT_EQ(issues[0].message, "banks must divide the depth");
  EXPECT_THAT(s.rules(), ElementsAre("`memory.banks` divides `memory.depth`."));
}

TEST(ConfigSchema, MarkdownHasATablePerComponentAndTheRules) {
  auto s = toy_schema();
  std::string md = schema_markdown(s, "Toy reference", "Intro.");
  EXPECT_TRUE(md.starts_with("# Toy reference\n\nIntro.\n\n## Top level\n")) << md;
  EXPECT_THAT(md, HasSubstr("## Top level\n\n| key | type | unit | default | range | description |\n"));
  EXPECT_THAT(md, HasSubstr("| `count` | int | units | `4` | 1 .. 64 | How many |\n"));
  EXPECT_THAT(md, HasSubstr("| `rate` | float | GHz | `1.5` | > 0 | Rate \\| speed |\n"));
  EXPECT_THAT(md, HasSubstr("| `mode` | enum | - | `fast` | fast, slow | Mode |\n"));
  EXPECT_THAT(md, HasSubstr("## `memory`\n\nThe memory.\n\n"));
  EXPECT_THAT(md, HasSubstr("| `memory.banks` | int | - | `2` | >= 1, power of two | Banks |\n"));
  EXPECT_THAT(md, HasSubstr("## Consistency rules\n"));
  EXPECT_THAT(md, HasSubstr("- `memory.banks` divides `memory.depth`.\n"));
  EXPECT_EQ(md.back(), '\n');
  EXPECT_NE(md.substr(md.size() - 2), "\n\n");
}

TEST(ConfigSchema, LocationOfUnmarkedNodeIsFileOnly) {
  SourceLocation loc = location_of("f.yaml", YAML::Mark::null_mark());
  EXPECT_EQ(loc.file, "f.yaml");
  EXPECT_EQ(loc.line, 0);
  EXPECT_EQ(loc.column, 0);
}

}  // namespace
}  // namespace coda::config
