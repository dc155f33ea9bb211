// `coda config check|show|docs`, driven through the real binary: exact stderr lines and exit codes for every
// broken config in tests/data/bad, success on the good and shipped ones, show/docs output, and --help.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/config/hw_loader.h"
#include "sim/config/hw_schema.h"

namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct CliRun {
  int status = -1;
  std::string out;
  std::string err;
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `coda <args>` from the repository root (paths in messages are relative to it).
CliRun coda(const std::string& args) {
  static int counter = 0;
  const fs::path err_file =
      fs::temp_directory_path() / ("coda_config_cli_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  const std::string cmd = std::string("cd '") + CODA_SOURCE_DIR + "' && '" + CODA_BINARY + "' " + args + " 2>'" +
                          err_file.string() + "'";
  CliRun r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  for (size_t n; (n = fread(buf.data(), 1, buf.size(), pipe)) > 0;) r.out.append(buf.data(), n);
  const int raw = pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.err = read_text(err_file);
  fs::remove(err_file);
  return r;
}

std::vector<fs::path> yaml_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(CODA_SOURCE_DIR) / dir))
    if (e.path().extension() == ".yaml") files.push_back(dir / e.path().filename());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ConfigCli, EveryBadConfigPrintsItsExpectedErrorsAndExits2) {
  const auto files = yaml_files("tests/data/bad");
  ASSERT_GE(files.size(), 20u);
  for (const auto& f : files) {
    const fs::path expected = fs::path(CODA_SOURCE_DIR) / fs::path(f).replace_extension(".expected");
    ASSERT_TRUE(fs::exists(expected)) << expected;
    const CliRun r = coda("config check " + f.string());
    EXPECT_EQ(r.status, 2) << f;
    EXPECT_EQ(r.err, read_text(expected)) << f;
    EXPECT_EQ(r.out, "") << f;
  }
}

TEST(ConfigCli, GoodAndShippedConfigsAreOk) {
  std::string args, expected;
  for (const auto* dir : {"configs/hw", "tests/data/good"})
    for (const auto& f : yaml_files(dir)) {
      args += " " + f.string();
      expected += f.string() + ": ok\n";
    }
  const CliRun r = coda("config check" + args);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, expected);
  EXPECT_EQ(r.err, "");
}

TEST(ConfigCli, MixedFilesReportEachAndExit2) {
  const CliRun r = coda(
      "config check tests/data/good/minimal.yaml tests/data/bad/bad_enum.yaml tests/data/bad/nope.yaml "
      "configs/hw/gemmini-default.yaml");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "tests/data/good/minimal.yaml: ok\nconfigs/hw/gemmini-default.yaml: ok\n");
  EXPECT_EQ(r.err,
            "error: tests/data/bad/bad_enum.yaml:3:3: mesh.dataflow: must be one of ws, os, both; got 'diagonal'\n"
            "error: tests/data/bad/bad_enum.yaml:5:3: dram.impl: must be one of simple; got 'ramulator'\n"
            "error: tests/data/bad/nope.yaml: file not found\n");
}

TEST(ConfigCli, OverridesAreValidatedLikeTheFile) {
  CliRun r = coda("config check configs/hw/gemmini-default.yaml -p scratchpad.capacity_kb=0 -p mesh.rowz=8");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "error: <-p scratchpad.capacity_kb=0>: scratchpad.capacity_kb: must be >= 1, got 0\n"
            "error: <-p mesh.rowz=8>: mesh.rowz: unknown key; did you mean 'mesh.rows'?\n");
  r = coda("config check configs/hw/gemmini-default.yaml -p mesh.rows=32 -p mesh.cols=32");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "configs/hw/gemmini-default.yaml: ok\n");
  r = coda("config check configs/hw/gemmini-default.yaml --param mesh.rows=32");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: <-p mesh.rows=32>: mesh.rows: mesh must be square (DIM x DIM), got 32 rows x 16 cols\n");
}

TEST(ConfigCli, ShowTableListsEveryKeyWithUnitAndSource) {
  const CliRun r = coda("config show -c tests/data/good/ibert.yaml -p queue.load=4");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const auto& p : coda::config::hw_schema().params()) EXPECT_THAT(r.out, HasSubstr(p.path + " ")) << p.path;
  EXPECT_THAT(r.out, HasSubstr("config:      gemmini-ibert\n"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("\naccumulator\\.capacity_kb +\\* 128 +KiB +tests/data/good/ibert\\.yaml:8 "));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("\nqueue\\.load +\\* 4 +entries +<-p queue\\.load=4> "));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("\nscratchpad\\.banks +4 +- +configs/hw/gemmini-default\\.yaml:24 "));
  EXPECT_THAT(r.out, HasSubstr("* differs from the default"));
  // Without -c: the built-in defaults.
  const CliRun d = coda("config show");
  EXPECT_EQ(d.status, 0);
  EXPECT_THAT(d.out, ::testing::ContainsRegex("\nmesh\\.rows +16 +PEs +default +"));
}

TEST(ConfigCli, ShowYamlLoadsBackToTheSameConfig) {
  const CliRun r = coda("config show -c tests/data/good/large_mesh.yaml --format yaml -p clock_ghz=0.8");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto original =
      coda::config::load_hw_config(std::string(CODA_SOURCE_DIR) + "/tests/data/good/large_mesh.yaml", {"clock_ghz=0.8"});
  const coda::config::HwConfig back = coda::config::parse_hw_config(r.out, "<stdout>");
  EXPECT_EQ(coda::config::to_yaml(back), coda::config::to_yaml(original));
  EXPECT_EQ(r.out, coda::config::to_yaml(original));
}

TEST(ConfigCli, ShowJson) {
  const CliRun r = coda("config show --format json -p mesh.dataflow=ws");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::ordered_json::parse(r.out);
  EXPECT_EQ(j["mesh"]["dataflow"], "ws");
  EXPECT_EQ(j["scratchpad"]["capacity_kb"], 256);
  EXPECT_EQ(j.begin().key(), "name");
  coda::config::HwConfig expected;
  expected.mesh.dataflow = coda::config::Dataflow::WS;
  EXPECT_EQ(r.out, coda::config::to_json(expected).dump(2) + "\n");
}

TEST(ConfigCli, ShowErrorsExit2) {
  CliRun r = coda("config show -c tests/data/bad/out_of_range.yaml");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, read_text(fs::path(CODA_SOURCE_DIR) / "tests/data/bad/out_of_range.expected"));
  EXPECT_EQ(r.out, "");
  r = coda("config show --format xml");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--format"));
}

TEST(ConfigCli, DocsEqualTheCheckedInReference) {
  const std::string reference = read_text(fs::path(CODA_SOURCE_DIR) / "docs/config-reference.md");
  const CliRun r = coda("config docs");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out == reference) << "docs/config-reference.md is stale: run `coda config docs -o "
                                     "docs/config-reference.md`";
  const fs::path out = fs::temp_directory_path() / ("coda_config_docs_" + std::to_string(getpid()) + ".md");
  const CliRun w = coda("config docs -o '" + out.string() + "'");
  EXPECT_EQ(w.status, 0) << w.err;
  EXPECT_EQ(w.out, "");
  EXPECT_TRUE(read_text(out) == reference);
  fs::remove(out);
  const CliRun bad = coda("config docs -o /nonexistent-dir/x.md");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err, "error: /nonexistent-dir/x.md: cannot write file\n");
}

TEST(ConfigCli, HelpIsCompleteAndExact) {
  const CliRun top = coda("--help");
  EXPECT_EQ(top.status, 0);
  EXPECT_THAT(top.out, HasSubstr("Usage: coda [OPTIONS] SUBCOMMAND"));
  EXPECT_THAT(top.out, ::testing::ContainsRegex("\n  config +Validate, show and document hardware configs\n"));

  const CliRun config = coda("config --help");
  EXPECT_EQ(config.status, 0);
  EXPECT_EQ(config.out,
            "Validate, show and document hardware configs\n"
            "Usage: coda config [OPTIONS] SUBCOMMAND\n"
            "\n"
            "Options:\n"
            "  -h,--help                   Print this help message and exit\n"
            "\n"
            "Subcommands:\n"
            "  check                       Validate hardware config files; print every error of every file, and "
            "FILE: ok for good ones\n"
            "  show                        Print the fully resolved config: every key with its value, unit, source "
            "and description\n"
            "  docs                        Write the Markdown reference of every hardware config key "
            "(docs/config-reference.md)\n"
            "\n"
            "File format, base: chains, -p overrides and error messages: docs/configuration.md\n");

  const CliRun check = coda("config check --help");
  EXPECT_EQ(check.status, 0);
  EXPECT_EQ(check.out,
            "Validate hardware config files; print every error of every file, and FILE: ok for good ones\n"
            "Usage: coda config check [OPTIONS] FILE...\n"
            "\n"
            "Positionals:\n"
            "  FILE ... REQUIRED           Hardware config YAML files to validate\n"
            "\n"
            "Options:\n"
            "  -h,--help                   Print this help message and exit\n"
            "  -p,--param KEY=VALUE ...    Override a config key, e.g. -p scratchpad.capacity_kb=512 (repeatable)\n"
            "\n"
            "Exit status: 0 if every file is valid, 2 otherwise. Errors go to stderr as\n"
            "error: FILE:LINE:COLUMN: KEY: MESSAGE\n");

  const CliRun show = coda("config show --help");
  EXPECT_EQ(show.status, 0);
  EXPECT_EQ(show.out,
            "Print the fully resolved config: every key with its value, unit, source and description\n"
            "Usage: coda config show [OPTIONS]\n"
            "\n"
            "Options:\n"
            "  -h,--help                   Print this help message and exit\n"
            "  -c,--config HW.yaml         Hardware config YAML file (default: the built-in defaults)\n"
            "  -p,--param KEY=VALUE ...    Override a config key, e.g. -p scratchpad.capacity_kb=512 (repeatable)\n"
            "  --format FORMAT:{table,yaml,json}=table\n"
            "                              Output format: table (aligned, for people), yaml or json\n"
            "\n"
            "The table marks values that differ from the default with * and names where each value was set;\n"
            "the yaml output loads again with -c.\n");

  const CliRun docs = coda("config docs --help");
  EXPECT_EQ(docs.status, 0);
  EXPECT_EQ(docs.out,
            "Write the Markdown reference of every hardware config key (docs/config-reference.md)\n"
            "Usage: coda config docs [OPTIONS]\n"
            "\n"
            "Options:\n"
            "  -h,--help                   Print this help message and exit\n"
            "  -o,--output FILE            Write to FILE instead of stdout\n"
            "\n");
}

TEST(ConfigCli, UsageErrorsExit2) {
  EXPECT_EQ(coda("config").status, 2);
  EXPECT_EQ(coda("config check").status, 2);
  EXPECT_EQ(coda("config frobnicate").status, 2);
}

}  // namespace
