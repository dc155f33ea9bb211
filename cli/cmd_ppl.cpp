// `coda ppl`: perplexity and bits per character of one subnet of a trained LM checkpoint, float and/or
// integer-only (I-BERT kernels of models/). Logic in models/lm/integer.h.
#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>

#include "cli/commands.h"
#include "cli/lm_common.h"
#include "models/lm/integer.h"
#include "models/lm/sensitivity.h"

namespace coda::cli {

namespace {
struct PplArgs {
  std::string checkpoint, arch = "largest", split = "valid", data, corpus, json, calibration = "mse";
  bool integer = false, flt = false, sensitivity = false;
  int64_t windows = 0, calibration_windows = 8;
  unsigned jobs = 1;
};
}  // namespace

void add_ppl_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<PplArgs>();
  CLI::App* sub = app.add_subcommand("ppl", "Perplexity and bits/char of a subnet of a trained LM checkpoint");
  sub->add_option("--checkpoint", args->checkpoint, "Checkpoint written by `coda train`")->type_name("CKPT")->required();
  sub->add_option("--arch", args->arch, "largest, smallest, a JSON object or a JSON file (fields: layers, hidden, heads, ffn[, head_size, seq])")
      ->type_name("ARCH")
      ->capture_default_str();
  sub->add_option("--split", args->split, "Held-out split")->check(CLI::IsMember({"valid", "test"}))->capture_default_str();
  auto* i = sub->add_flag("--integer", args->integer, "Integer-only (I-BERT) evaluation only");
  auto* f = sub->add_flag("--float", args->flt, "Float evaluation only");
  i->excludes(f);
  sub->add_option("--windows", args->windows, "Evaluate the first N windows of the split (0: all)")->capture_default_str();
  sub->add_option("--calibration-windows", args->calibration_windows,
                  "Windows of training text for the activation scales")->capture_default_str();
  sub->add_option("--calibration", args->calibration,
                  "Activation ranges: mse (the clip minimising int8 quantization error) or max (max |x|)")
      ->check(CLI::IsMember({"mse", "max"}))
      ->capture_default_str();
  sub->add_flag("--sensitivity", args->sensitivity,
                "Also the float perplexity with each quantization step alone emulated (weights per tensor / per "
                "channel, each activation, the probabilities), relative to float");
  sub->add_option("--data", args->data, "Corpus directory written by `coda data kjv` (default: extract the KJV)")
      ->type_name("DIR");
  sub->add_option("--corpus", args->corpus, "The UTF-8 text file the checkpoint was trained on")->type_name("FILE");
  sub->add_option("-j,--jobs", args->jobs, "Threads for the integer evaluation (0: all); results do not depend on it")
      ->capture_default_str();
  sub->add_option("--json", args->json, "Also write the results as JSON")->type_name("FILE");
  sub->callback([args, &action] {
    action = [args]() -> int {
      return run_lm_guarded([&] {
        using namespace models::lm;
        const Checkpoint ck = load_checkpoint(args->checkpoint);
        const SubnetArch arch = parse_arch_arg(args->arch, ck.supernet);
        const CorpusSplit split = !args->data.empty() ? read_corpus(args->data)
                                  : !args->corpus.empty() ? file_corpus(args->corpus)
                                                          : kjv_corpus();
        const Vocab vocab = Vocab::from_chars(ck.vocab_chars);
        const std::vector<int32_t> eval = vocab.encode(args->split == "valid" ? split.valid : split.test, args->split);
        const std::vector<int32_t> train = vocab.encode(split.train, "train");
        const int64_t windows = window_count(std::ssize(eval), arch.seq, args->windows);
        nlohmann::ordered_json j;
        j["checkpoint"] = args->checkpoint;
        j["arch"] = nlohmann::json::parse(to_json(arch));
        j["split"] = args->split;
        j["windows"] = windows;
        j["characters"] = windows * arch.seq;
        if (!args->flt) j["calibration"] = args->calibration;
        fmt::print("{} on {} ({} windows of {} characters)\n", arch_name(arch), args->split, windows, arch.seq);
        auto report = [&](const char* kind, double ppl, double seconds) {
          const double bpc = std::log2(ppl);
          fmt::print("  {:<8} perplexity {:.4f}  bits/char {:.4f}  ({:.1f} s)\n", kind, ppl, bpc, seconds);
          j[kind] = {{"perplexity", ppl}, {"bits_per_char", bpc}};
        };
        using clock = std::chrono::steady_clock;
        double fppl = 0, ippl = 0;
        if (!args->integer) {
          const auto t0 = clock::now();
          fppl = float_perplexity(ck, arch, eval, args->windows);
          report("float", fppl, std::chrono::duration<double>(clock::now() - t0).count());
        }
        if (!args->flt) {
          const auto t0 = clock::now();
          ippl = integer_perplexity(ck, arch, eval, args->windows, train, args->jobs, args->calibration_windows,
                                     parse_range_method(args->calibration));
          report("integer", ippl, std::chrono::duration<double>(clock::now() - t0).count());
        }
        if (fppl > 0 && ippl > 0) {
          fmt::print("  integer / float: {:+.2f} %\n", 100.0 * (ippl / fppl - 1.0));
          j["integer_vs_float_percent"] = 100.0 * (ippl / fppl - 1.0);
        }
        if (args->sensitivity) {
          const auto t0 = clock::now();
          const std::vector<QuantSensitivity> s =
              quantization_sensitivity(ck, arch, eval, args->windows, train, args->calibration_windows,
                                       parse_range_method(args->calibration));
          fmt::print("  quantization sensitivity ({} calibration, {:.1f} s): float perplexity with one step quantized\n",
                     args->calibration, std::chrono::duration<double>(clock::now() - t0).count());
          nlohmann::ordered_json rows = nlohmann::ordered_json::array();
          for (const QuantSensitivity& q : s) {
            fmt::print("    {:<28} {:.4f}  {:+.2f} %\n", q.step, q.perplexity, 100.0 * q.relative);
            rows.push_back({{"step", q.step}, {"perplexity", q.perplexity}, {"relative_percent", 100.0 * q.relative}});
          }
          j["sensitivity"] = rows;
        }
        if (!args->json.empty()) write_file_atomic(args->json, j.dump(2) + "\n");
        return 0;
      });
    };
  });
}

}  // namespace coda::cli
