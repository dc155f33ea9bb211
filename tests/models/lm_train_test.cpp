// The language model's corpus handling, architecture parsing, trainer (loss falls, determinism, resume) and the
// integer-only evaluation (quantized subnet vs models' encoder-layer executor, vs float).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "models/lm/corpus.h"
#include "models/lm/integer.h"
#include "models/lm/sensitivity.h"
#include "models/lm/train.h"

namespace coda::models::lm {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const std::string& tiny_text() {
  static const std::string t = slurp(fs::path(CODA_SOURCE_DIR) / "tests/data/lm/tiny-corpus.txt");
  return t;
}

SupernetConfig tiny_space(int64_t vocab) {
  SupernetConfig c;
  c.vocab = vocab;
  c.context = 16;
  c.head_size = 8;
  c.layers = {1, 2};
  c.hidden = {16, 32};
  c.heads = {1, 2};
  c.ffn = {32, 64};
  return c;
}

TrainConfig tiny_train(int64_t steps) {
  TrainConfig t;
  t.steps = steps;
  t.batch = 16;
  t.lr = 1e-2;
  t.warmup_steps = 5;
  t.seed = 7;
  return t;
}

std::vector<float> flat(Params& p) {
  std::vector<float> out;
  const auto t = p.tensors();
  const auto n = p.sizes();
  for (size_t i = 0; i < t.size(); ++i) out.insert(out.end(), t[i], t[i] + n[i]);
  return out;
}

// ---- corpus ----

TEST(LmCorpus, ParsesBibleOutput) {
  const std::string out =
      "\nGenesis 1\n\n  1 In the beginning.\n  2 And the earth\nwas void.\n\nGenesis 2\n\n  1 Thus the heavens.\n"
      "\nExodus 1\n\n  1 Now these are the names.\n\nII Kings 3\n\n  12 Elisha said.\n";
  const std::vector<Book> books = parse_bible_output(out);
  ASSERT_EQ(books.size(), 3u);
  EXPECT_EQ(books[0].name, "Genesis");
  EXPECT_EQ(books[0].text, "In the beginning.\nAnd the earth was void.\nThus the heavens.\n");
  EXPECT_EQ(books[1].text, "Now these are the names.\n");
  EXPECT_EQ(books[2].name, "II Kings");
  EXPECT_THROW(parse_bible_output("nothing here\n"), CorpusError);
}

TEST(LmCorpus, KjvSplitIsByBooks) {
  std::vector<Book> books;
  for (int i = 0; i < 66; ++i) books.push_back({"B" + std::to_string(i), "v" + std::to_string(i) + "\n"});
  const CorpusSplit s = split_kjv(books);
  EXPECT_EQ(s.valid_parts, (std::vector<std::string>{"B5", "B16", "B27", "B38", "B49", "B60"}));
  EXPECT_EQ(s.test_parts, (std::vector<std::string>{"B10", "B21", "B32", "B43", "B54", "B65"}));
  EXPECT_EQ(s.train_parts.size(), 54u);
  EXPECT_EQ(s.valid, "v5\nv16\nv27\nv38\nv49\nv60\n");
}

TEST(LmCorpus, TextSplitAndVocab) {
  const CorpusSplit s = split_text(tiny_text(), "tiny");
  EXPECT_EQ(s.train.size() + s.valid.size() + s.test.size(), tiny_text().size());
  EXPECT_EQ(s.valid_parts, (std::vector<std::string>{"lines 181-200"}));
  EXPECT_EQ(s.test_parts, (std::vector<std::string>{"lines 381-400"}));
  const Vocab v = corpus_vocab(s);
  EXPECT_EQ(Vocab::from_chars(v.chars_utf8()), v);
  const std::vector<int32_t> ids = v.encode(s.valid);
  EXPECT_EQ(v.decode(ids), s.valid);
  EXPECT_THROW(v.encode("the Zebra"), CorpusError);
  EXPECT_THROW(split_text("one line\n", "short"), CorpusError);
  // UTF-8: multi-byte characters are single tokens; invalid bytes are an error naming the line.
  const Vocab u = Vocab::from_text("h\xc3\xa9llo\n");
  EXPECT_EQ(u.size(), 5);
  EXPECT_EQ(u.encode("\xc3\xa9").size(), 1u);
  try {
    (void)Vocab::from_text("ok\n\xff\n");
    FAIL();
  } catch (const CorpusError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos);
  }
}

TEST(LmCorpus, WritesAndReadsADirectory) {
  const fs::path dir = fs::temp_directory_path() / ("coda_lm_corpus_" + std::to_string(::getpid()));
  const CorpusSplit s = split_text(tiny_text(), "tiny");
  write_corpus(s, dir);
  const CorpusSplit r = read_corpus(dir);
  EXPECT_EQ(r.train, s.train);
  EXPECT_EQ(r.test, s.test);
  EXPECT_EQ(r.source, "tiny");
  EXPECT_EQ(Vocab::from_chars(slurp(dir / "vocab.txt")), corpus_vocab(s));
  fs::remove_all(dir);
  EXPECT_THROW(read_corpus(dir), CorpusError);
}

// ---- architectures ----

TEST(LmArch, JsonRoundTripDefaultsAndErrors) {
  const SupernetConfig c = tiny_space(20);
  const SubnetArch a{2, 32, 8, 16, {2, 1}, {64, 32}};
  EXPECT_EQ(arch_from_json(to_json(a)), a);
  const SubnetArch b = arch_from_json(R"({"layers":2,"hidden":16,"heads":1,"ffn":[32,64]})", &c);
  EXPECT_EQ(b, (SubnetArch{2, 16, 8, 16, {1, 1}, {32, 64}}));
  EXPECT_EQ(parse_arch_arg("largest", c), (SubnetArch{2, 32, 8, 16, {2, 2}, {64, 64}}));
  EXPECT_EQ(parse_arch_arg("smallest", c), (SubnetArch{1, 16, 8, 16, {1}, {32}}));
  auto msg = [&](const std::string& j) {
    try {
      parse_arch_arg(j, c);
    } catch (const ArchError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg(R"({"layers":3,"hidden":16,"heads":1,"ffn":32})").find("arch.layers"), std::string::npos);
  EXPECT_NE(msg(R"({"layers":2,"hidden":16,"heads":[1],"ffn":32})").find("arch.heads"), std::string::npos);
  EXPECT_NE(msg(R"({"layers":1,"hidden":16,"heads":3,"ffn":32})").find("arch.heads[0]"), std::string::npos);
  EXPECT_NE(msg(R"({"layers":1,"hidden":16,"heads":1})").find("arch.ffn: missing"), std::string::npos);
  EXPECT_NE(msg(R"({"layers":1,"hidden":"x","heads":1,"ffn":3})").find("arch.hidden"), std::string::npos);
  EXPECT_NE(msg("{not json").find("JSON"), std::string::npos);
  EXPECT_NE(msg("/no/such/file").find("neither"), std::string::npos);
}

TEST(LmArch, SamplesStayInTheSpace) {
  const SupernetConfig c = tiny_space(20);
  Rng rng(1, 2);
  bool saw_two = false, saw_one = false;
  for (int i = 0; i < 50; ++i) {
    const SubnetArch a = c.sample(rng);
    EXPECT_NO_THROW(c.check(a));
    saw_one |= a.layers == 1;
    saw_two |= a.layers == 2;
  }
  EXPECT_TRUE(saw_one && saw_two);
}

TEST(LmTrain, LearningRateSchedule) {
  TrainConfig t;
  t.steps = 110;
  t.lr = 1.0;
  t.warmup_steps = 10;
  t.min_lr_ratio = 0.1;
  EXPECT_DOUBLE_EQ(learning_rate(t, 0), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate(t, 9), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate(t, 10), 1.0);
  EXPECT_NEAR(learning_rate(t, 60), 0.55, 1e-12);  // half-way down the cosine
  EXPECT_NEAR(learning_rate(t, 110), 0.1, 1e-12);
}

// ---- training ----

struct TinySetup {
  CorpusSplit split = split_text(tiny_text(), "tiny");
  Vocab vocab = corpus_vocab(split);
  std::vector<int32_t> train = vocab.encode(split.train);
  std::vector<int32_t> valid = vocab.encode(split.valid);
};

// Unigram entropy (nats/char) of `eval` under the character frequencies of `train` (add-one smoothed): what a
// model that ignores context at best reaches.
double unigram_nll(const std::vector<int32_t>& train, const std::vector<int32_t>& eval, int64_t vocab) {
  std::vector<double> count(static_cast<size_t>(vocab), 1.0);
  for (int32_t t : train) count[static_cast<size_t>(t)] += 1.0;
  const double total = static_cast<double>(train.size() + static_cast<size_t>(vocab));
  double nll = 0.0;
  for (int32_t t : eval) nll -= std::log(count[static_cast<size_t>(t)] / total);
  return nll / static_cast<double>(eval.size());
}

TEST(LmTrain, TinySupernetLossFalls) {
  TinySetup s;
  Trainer tr(tiny_space(s.vocab.size()), tiny_train(200), s.vocab, "tiny");
  const SubnetArch big = tr.checkpoint().supernet.largest(), small = tr.checkpoint().supernet.smallest();
  const double unigram = unigram_nll(s.train, s.valid, s.vocab.size());
  double early = 0, late = 0;
  for (int i = 0; i < 200; ++i) {
    const double l = tr.step(s.train);
    if (i >= 10 && i < 20) early += l / 10;
    if (i >= 190) late += l / 10;
  }
  EXPECT_LT(late, 0.7 * early);
  // Both ends of the sandwich learned context: well below the best context-free model.
  const double after_big = float_nll(tr.checkpoint().params, big, s.valid, 0);
  const double after_small = float_nll(tr.checkpoint().params, small, s.valid, 0);
  EXPECT_LT(after_big, 0.7 * unigram);
  EXPECT_LT(after_small, 0.8 * unigram);
  RecordProperty("unigram", std::to_string(unigram));
  std::printf("tiny: unigram %.3f early %.3f late %.3f valid largest %.3f smallest %.3f\n", unigram, early, late,
              after_big, after_small);
}

TEST(LmTrain, DeterministicAndResumable) {
  TinySetup s;
  const fs::path dir = fs::temp_directory_path() / ("coda_lm_train_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Trainer a(tiny_space(s.vocab.size()), tiny_train(12), s.vocab, "tiny");
  a.run(s.train, s.valid, dir / "a.bin", nullptr);
  Trainer b(tiny_space(s.vocab.size()), tiny_train(12), s.vocab, "tiny");
  b.run(s.train, s.valid, dir / "b.bin", nullptr);
  EXPECT_EQ(slurp(dir / "a.bin"), slurp(dir / "b.bin"));  // byte-identical weights files
  // Interrupted after 5 steps, resumed from the state file: the same weights as the uninterrupted run.
  Trainer c(tiny_space(s.vocab.size()), tiny_train(12), s.vocab, "tiny");
  for (int i = 0; i < 5; ++i) c.step(s.train);
  save_checkpoint(c.checkpoint(), dir / "c.bin.state", true);
  Trainer d(load_checkpoint(dir / "c.bin.state"));
  EXPECT_EQ(d.checkpoint().step, 5);
  d.run(s.train, s.valid, dir / "c.bin", nullptr);
  EXPECT_EQ(flat(d.checkpoint().params), flat(a.checkpoint().params));
  EXPECT_EQ(slurp(dir / "c.bin"), slurp(dir / "a.bin"));
  // A weights-only checkpoint loads, but cannot be resumed.
  const Checkpoint w = load_checkpoint(dir / "a.bin");
  EXPECT_FALSE(w.has_optimizer);
  EXPECT_EQ(w.step, 12);
  EXPECT_THROW(Trainer{w}, ArchError);
  // Corrupt files are errors, not crashes.
  std::string bytes = slurp(dir / "a.bin");
  std::ofstream(dir / "t.bin", std::ios::binary) << bytes.substr(0, bytes.size() - 10);
  EXPECT_THROW(load_checkpoint(dir / "t.bin"), CorpusError);
  std::ofstream(dir / "m.bin", std::ios::binary) << "not a checkpoint at all";
  EXPECT_THROW(load_checkpoint(dir / "m.bin"), CorpusError);
  fs::remove_all(dir);
}

// ---- integer evaluation ----

class LmInteger : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setup_ = std::make_unique<TinySetup>();
    trainer_ = std::make_unique<Trainer>(tiny_space(setup_->vocab.size()), tiny_train(80), setup_->vocab, "tiny");
    for (int i = 0; i < 80; ++i) trainer_->step(setup_->train);
  }
  static void TearDownTestSuite() {
    trainer_.reset();
    setup_.reset();
  }
  static std::unique_ptr<TinySetup> setup_;
  static std::unique_ptr<Trainer> trainer_;
};
std::unique_ptr<TinySetup> LmInteger::setup_;
std::unique_ptr<Trainer> LmInteger::trainer_;

TEST_F(LmInteger, LayersAreTheModelsEncoderLayerExecutor) {
  const Checkpoint& ck = trainer_->checkpoint();
  const SubnetArch arch = ck.supernet.largest();
  const IntegerLm m = quantize_subnet(ck.params, arch, ck.supernet.vocab, setup_->train);
  ASSERT_EQ(m.layers.size(), 2u);
  EXPECT_TRUE(m.layers[0].dims.causal);
  EXPECT_EQ(m.layers[1].scales.input, m.layers[0].scales.output);  // layers chain without requantization
  const std::span<const int32_t> window(setup_->valid.data(), 16);
  IntegerTrace trace;
  (void)integer_logits(m, window, &trace);
  const EncoderIntTensors ref = run_encoder_layer_int(m.layers[0], trace.x0);
  EXPECT_EQ(ref.out, trace.layer_out[0]);
  const EncoderIntTensors ref1 = run_encoder_layer_int(m.layers[1], ref.out);
  EXPECT_EQ(ref1.out, trace.layer_out[1]);

  // The integer layer output tracks the float model's (cosine of the dequantized output).
  ForwardCache fc;
  forward(ck.params, arch, window, fc);
  const std::vector<float> deq = dequantize(std::span<const int8_t>(trace.layer_out[0]), m.layers[0].scales.output);
  const std::vector<float> ref_float(fc.layers[0].out.data(), fc.layers[0].out.data() + fc.layers[0].out.size());
  EXPECT_GT(cosine_similarity(deq, ref_float), 0.99);
}

TEST(LmCalibration, MseClipRange) {
  // Evenly spread values: clipping only adds error, so the range stays near the maximum.
  std::vector<float> even;
  for (int i = -1000; i <= 1000; ++i) even.push_back(static_cast<float>(i) / 1000.0f);
  EXPECT_GT(mse_clip_range(even), 0.95);
  EXPECT_LE(mse_clip_range(even), 1.0);
  // A long (Laplace, b = 1) tail: the known MSE-optimal 8-bit clip is ~9.89 b (Banner et al., ACIQ), below the
  // sample maximum ln(N) ~ 12.9 for N = 200,001 quantiles.
  std::vector<float> laplace;
  const int n = 200001;
  for (int i = 0; i < n; ++i) {
    const float x = static_cast<float>(-std::log(1.0 - (i + 0.5) / n));
    laplace.push_back(i % 2 ? x : -x);
  }
  const double c = mse_clip_range(laplace);
  EXPECT_NEAR(c, 9.89, 0.2);
  EXPECT_EQ(mse_clip_range(laplace), c);  // deterministic
  EXPECT_EQ(mse_clip_range(std::vector<float>{}), 0.0);
  EXPECT_EQ(mse_clip_range(std::vector<float>(8, 0.0f)), 0.0);
  EXPECT_THROW(mse_clip_range(std::vector<float>{1.0f, std::numeric_limits<float>::quiet_NaN()}), ArchError);
  EXPECT_THROW(mse_clip_range(std::vector<float>{std::numeric_limits<float>::infinity()}), ArchError);
  EXPECT_EQ(parse_range_method("max"), RangeMethod::MaxAbs);
  EXPECT_EQ(parse_range_method("mse"), RangeMethod::Mse);
  EXPECT_THROW(parse_range_method("percentile"), ArchError);
}

TEST(LmTrain, QuantizedProbsOptionIsValidatedAndStored) {
  TrainConfig c = tiny_train(3);
  c.quantized_probs = -1;
  try {
    c.validate();
    FAIL() << "negative quantized_probs accepted";
  } catch (const ArchError& e) {
    EXPECT_NE(std::string(e.what()).find("training.quantized_probs"), std::string::npos) << e.what();
  }
  c.quantized_probs = 127;
  TinySetup s;
  Trainer tr(tiny_space(s.vocab.size()), c, s.vocab, "tiny");
  const fs::path path = fs::temp_directory_path() / ("coda_lm_qat_" + std::to_string(::getpid()) + ".bin");
  tr.run(s.train, s.valid, path, nullptr);
  EXPECT_EQ(load_checkpoint(path).train.quantized_probs, 127);
  // Quantization-aware steps train different weights than float steps from the same seed.
  Trainer plain(tiny_space(s.vocab.size()), tiny_train(3), s.vocab, "tiny");
  for (int i = 0; i < 3; ++i) plain.step(s.train);
  EXPECT_NE(flat(plain.checkpoint().params), flat(tr.checkpoint().params));
  fs::remove(path);
  fs::remove(path.string() + ".state");
}

TEST_F(LmInteger, QuantizationSensitivityTable) {
  const Checkpoint& ck = trainer_->checkpoint();
  const SubnetArch arch = ck.supernet.smallest();
  const std::vector<QuantSensitivity> s = quantization_sensitivity(ck, arch, setup_->valid, 0, setup_->train);
  const std::vector<std::string> names{"float", "weights per tensor", "weights per output channel", "embedding", "q",
                                       "k", "v", "probabilities", "context", "ln1", "gelu", "layer output",
                                       "all activations"};
  ASSERT_EQ(s.size(), names.size());
  for (size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].step, names[i]);
    EXPECT_NEAR(s[i].relative, s[i].perplexity / s[0].perplexity - 1.0, 1e-12);
    EXPECT_GT(s[i].relative, -0.05) << s[i].step;  // emulated quantization does not help much, if at all
    EXPECT_LT(s[i].relative, 0.10) << s[i].step;
  }
  // The first row is the float subnet: the same perplexity as float_perplexity on the same windows.
  EXPECT_NEAR(s[0].perplexity, float_perplexity(ck, arch, setup_->valid, 0), 1e-6 * s[0].perplexity);
  EXPECT_EQ(s[0].relative, 0.0);
  // Quantizing something changes the result.
  EXPECT_NE(s[7].perplexity, s[0].perplexity);
}

TEST_F(LmInteger, PerplexityCloseToFloatAndThreadIndependent) {
  const Checkpoint& ck = trainer_->checkpoint();
  for (const SubnetArch& arch : {ck.supernet.largest(), ck.supernet.smallest()}) {
    const double f = float_perplexity(ck, arch, setup_->valid, 0);
    const double i1 = integer_perplexity(ck, arch, setup_->valid, 0, setup_->train, 1);
    const double i3 = integer_perplexity(ck, arch, setup_->valid, 0, setup_->train, 3);
    EXPECT_EQ(i1, i3);
    EXPECT_LT(f, 0.5 * static_cast<double>(setup_->vocab.size()));  // learned something
    EXPECT_NEAR(i1 / f, 1.0, 0.05) << arch_name(arch);
    // Max-abs ranges are a valid calibration too (coda ppl --calibration max); both are deterministic.
    const double imax = integer_perplexity(ck, arch, setup_->valid, 0, setup_->train, 1, 8, RangeMethod::MaxAbs);
    EXPECT_NEAR(imax / f, 1.0, 0.05) << arch_name(arch);
  }
  EXPECT_THROW(integer_perplexity(ck, SubnetArch{3, 16, 8, 16, {1, 1, 1}, {32, 32, 32}}, setup_->valid, 0,
                                  setup_->train),
               ArchError);
}

}  // namespace
}  // namespace coda::models::lm
