// The LM space YAML (supernet:, training:, evaluation:) loader: the shipped space, and located errors.
#include <gtest/gtest.h>

#include "sim/config/supernet_loader.h"

namespace coda::config {
namespace {

TEST(SupernetLoader, ShippedKjvSpace) {
  const SupernetSpace s = load_supernet_space(std::string(CODA_SOURCE_DIR) + "/configs/nas/kjv-space.yaml");
  EXPECT_EQ(s.supernet.context, 128);
  EXPECT_EQ(s.supernet.head_size, 32);
  EXPECT_EQ(s.supernet.max_hidden(), 128);
  EXPECT_EQ(s.supernet.max_layers(), 4);
  EXPECT_EQ(s.training.random_subnets, 2);
  EXPECT_EQ(s.valid_windows, 32);
}

std::string first_error(const std::string& yaml) {
  try {
    parse_supernet_space(yaml, "space.yaml");
  } catch (const InputError& e) {
    return e.diagnostics().front().str();
  }
  return "no error";
}

TEST(SupernetLoader, ErrorsNameFileLineAndKey) {
  const std::string ok = "supernet:\n  context: 16\n  head_size: 8\n  layers: [1, 2]\n  hidden: [16]\n  heads: [1]\n  ffn: [8]\n";
  EXPECT_NO_THROW(parse_supernet_space(ok));
  EXPECT_EQ(first_error(ok + "training:\n  steps: 0\n"), "space.yaml:9:10: training.steps: must be >= 1, got 0");
  EXPECT_EQ(first_error(ok + "training:\n  lr: -1\n"), "space.yaml:9:7: training.lr: must be > 0");
  EXPECT_EQ(first_error(ok + "training:\n  stepz: 3\n").substr(0, 30), "space.yaml:9:3: training.stepz");
  EXPECT_NE(first_error("supernet:\n  context: 16\n  head_size: 8\n  layers: [2, 1]\n  hidden: [16]\n  heads: [1]\n  ffn: [8]\n")
                .find("space.yaml:4:15: supernet.layers[1]: choices must be ascending"),
            std::string::npos);
  EXPECT_NE(first_error("supernet:\n  context: 16\n  head_size: 8\n  hidden: [16]\n  heads: [1]\n  ffn: [8]\n")
                .find("supernet.layers: missing"),
            std::string::npos);
  EXPECT_NE(first_error("supernet: [1\n").find("malformed YAML"), std::string::npos);
  EXPECT_NE(first_error("training:\n  steps: 3\n").find("supernet: missing section"), std::string::npos);
}

}  // namespace
}  // namespace coda::config
