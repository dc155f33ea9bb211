#include "nas/quality_supernet.h"

#include <fmt/core.h>

#include <memory>
#include <mutex>

#include "models/lm/corpus.h"
#include "models/lm/integer.h"
#include "models/lm/train.h"
#include "nas/quality.h"

namespace coda::nas {

namespace {

class SupernetQuality final : public QualityEvaluator {
 public:
  SupernetQuality(const std::string& path, const SupernetQualityOptions& o) : path_(path), options_(o) {
    using namespace models::lm;
    try {
      ck_ = load_checkpoint(path);
      const CorpusSplit split = o.data_dir.empty() ? kjv_corpus() : read_corpus(o.data_dir);
      const Vocab vocab = Vocab::from_chars(ck_.vocab_chars);
      valid_ = vocab.encode(split.valid, "valid");
      train_ = vocab.encode(split.train, "train");
    } catch (const std::exception& e) {
      throw QualityError(fmt::format("supernet:{}: {}", path, e.what()));
    }
  }

  std::string label() const override { return "supernet:" + path_; }

  std::vector<double> evaluate(const std::vector<nlohmann::json>& candidates) override {
    std::vector<double> out;
    out.reserve(candidates.size());
    for (const nlohmann::json& c : candidates) {
      models::lm::SubnetArch arch;
      try {
        // nas::to_json's keys, as the LM names them (seq_len -> seq); the hardware keys do not matter here.
        nlohmann::json a{{"layers", c.at("layers")}, {"hidden", c.at("hidden")}, {"heads", c.at("heads")},
                         {"ffn", c.at("ffn")}};
        if (c.contains("head_size")) a["head_size"] = c["head_size"];
        if (c.contains("seq_len")) a["seq"] = c["seq_len"];
        arch = models::lm::arch_from_json(a.dump(), &ck_.supernet);
        ck_.supernet.check(arch);
      } catch (const std::exception& e) {
        throw QualityError(fmt::format("supernet:{}: candidate {} is not a subnet of the checkpoint: {}", path_,
                                       c.dump(), e.what()));
      }
      out.push_back(models::lm::integer_perplexity(ck_, arch, valid_, options_.valid_windows, train_,
                                                   options_.threads, options_.calibration_windows));
    }
    return out;
  }

 private:
  std::string path_;
  SupernetQualityOptions options_;
  models::lm::Checkpoint ck_;
  std::vector<int32_t> valid_, train_;
};

}  // namespace

void register_supernet_quality(const SupernetQualityOptions& options) {
  register_quality("supernet", [options](const std::string& arg, std::unique_ptr<QualityEvaluator> fallback) {
    if (fallback) throw QualityError("supernet: takes no fallback (it evaluates every subnet of its checkpoint)");
    if (arg.empty()) throw QualityError("supernet: needs a checkpoint path (supernet:CKPT)");
    return std::unique_ptr<QualityEvaluator>(std::make_unique<SupernetQuality>(arg, options));
  });
}

}  // namespace coda::nas
