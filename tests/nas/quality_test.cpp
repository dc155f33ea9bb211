// Quality evaluators: the command protocol and its failure modes (small shell scripts in a temp dir), the
// table evaluator and its fallback, the evaluator chain syntax, the registry and the cache.
#include "nas/quality.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "nas/quality_command.h"
#include "nas/quality_table.h"
#include "nas/toy_problem.h"

namespace coda::nas {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir() {
  static int n = 0;
  fs::path d = fs::temp_directory_path() / ("coda_quality_" + std::to_string(getpid()) + "_" + std::to_string(n++));
  fs::create_directories(d);
  return d;
}

std::string write_file(const fs::path& p, const std::string& text, bool executable = false) {
  std::ofstream(p) << text;
  if (executable) fs::permissions(p, fs::perms::owner_all);
  return p.string();
}

std::string script(const std::string& body) {
  return write_file(temp_dir() / "eval.sh", "#!/bin/sh\n" + body, true);
}

std::vector<nlohmann::json> candidates(int n) {
  std::vector<nlohmann::json> c;
  for (int i = 0; i < n; ++i) c.push_back({{"layers", 2 + i % 5}, {"hidden", 256}, {"ffn", 512 * (1 + i % 3)}});
  return c;
}

std::string error_of(QualityEvaluator& e, const std::vector<nlohmann::json>& c) {
  try {
    e.evaluate(c);
  } catch (const QualityError& err) {
    return err.what();
  }
  return "";
}

TEST(CommandQuality, ShippedToyEvaluatorMatchesTheFormula) {
  CommandQuality e(std::string(CODA_SOURCE_DIR) + "/tests/data/nas/toy_perplexity.py");
  const auto c = candidates(7);
  const auto got = e.evaluate(c);
  ASSERT_EQ(got.size(), 7u);
  for (std::size_t i = 0; i < c.size(); ++i) EXPECT_EQ(got[i], toy_perplexity(c[i])) << i;  // exact: repr round trip
}

TEST(CommandQuality, ReadsOneNumberPerLineInOrder) {
  // Answers the layers field times 1.5, padded with spaces and CRLF.
  CommandQuality e(script("while read -r line; do\n"
                          "  l=$(echo \"$line\" | sed 's/.*\"layers\":\\([0-9]*\\).*/\\1/')\n"
                          "  printf ' %s.5 \\r\\n' \"$l\"\n"
                          "done\n"));
  const auto got = e.evaluate(candidates(6));
  EXPECT_EQ(got, (std::vector<double>{2.5, 3.5, 4.5, 5.5, 6.5, 2.5}));
  EXPECT_TRUE(e.evaluate({}).empty());
}

TEST(CommandQuality, PassesArgumentsThroughTheShell) {
  const std::string s = script("while read -r line; do echo \"$1\"; done\n");
  CommandQuality e(s + " 7.25");
  EXPECT_EQ(e.evaluate(candidates(3)), (std::vector<double>{7.25, 7.25, 7.25}));
  CommandQuality pipeline(s + " 8 | sed 's/8/9.5/'");  // shell syntax runs as written
  EXPECT_EQ(pipeline.evaluate(candidates(2)), (std::vector<double>{9.5, 9.5}));
}

TEST(CommandQuality, MalformedAnswerIsAnError) {
  CommandQuality e(script("while read -r line; do echo 'ppl=3'; done\n"));
  const std::string msg = error_of(e, candidates(2));
  EXPECT_NE(msg.find("answer line 1 is not a number: 'ppl=3'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("command:"), std::string::npos) << msg;
}

TEST(CommandQuality, WrongCountIsAnError) {
  CommandQuality fewer(script("read -r line; echo 1.0\n"));
  EXPECT_NE(error_of(fewer, candidates(3)).find("answered 1 lines for 3 candidates"), std::string::npos);
  CommandQuality more(script("while read -r line; do echo 1; echo 2; done\n"));
  EXPECT_NE(error_of(more, candidates(2)).find("answered 4 lines for 2 candidates"), std::string::npos);
}

TEST(CommandQuality, NonFiniteAnswerIsAnError) {
  for (const char* v : {"nan", "inf", "-inf", "1e999"}) {
    CommandQuality e(script(std::string("while read -r line; do echo ") + v + "; done\n"));
    const std::string msg = error_of(e, candidates(1));
    EXPECT_NE(msg.find("not a finite perplexity"), std::string::npos) << v << ": " << msg;
  }
}

TEST(CommandQuality, NonZeroExitIsAnErrorQuotingStderr) {
  CommandQuality e(script("cat >/dev/null\necho 'CUDA out of memory' >&2\nexit 3\n"));
  const std::string msg = error_of(e, candidates(2));
  EXPECT_NE(msg.find("exited with status 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CUDA out of memory"), std::string::npos) << msg;
}

TEST(CommandQuality, CrashIsAnErrorNamingTheSignal) {
  CommandQuality e(script("read -r line\nkill -SEGV $$\n"));
  const std::string msg = error_of(e, candidates(2));
  EXPECT_NE(msg.find("killed by signal 11"), std::string::npos) << msg;
}

TEST(CommandQuality, MissingProgramIsAnError) {
  CommandQuality e("/nonexistent/evaluator --flag");
  const std::string msg = error_of(e, candidates(1));
  EXPECT_NE(msg.find("exited with status 127"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/nonexistent/evaluator"), std::string::npos) << msg;
}

TEST(CommandQuality, ProgramThatDiesWithoutReadingNeitherHangsNorKillsUs) {
  // 20000 candidates (~1 MB) overflow the pipe buffer; the program exits at once. Writing then fails with EPIPE
  // (SIGPIPE is blocked while writing), and the error says the program stopped reading.
  CommandQuality quits(script("exit 0\n"));
  const std::string msg = error_of(quits, candidates(20000));
  EXPECT_NE(msg.find("answered 0 lines for 20000 candidates"), std::string::npos) << msg;
  EXPECT_NE(msg.find("stopped reading"), std::string::npos) << msg;
  CommandQuality dies(script("read -r line\nkill -KILL $$\n"));
  EXPECT_NE(error_of(dies, candidates(20000)).find("killed by signal 9"), std::string::npos);
  // A large batch to a program that does read everything works (no deadlock on full pipes either way).
  CommandQuality echo(script("while read -r line; do echo 2; done\n"));
  EXPECT_EQ(echo.evaluate(candidates(5000)).size(), 5000u);
}

TEST(TableQuality, KeyedByCandidateJson) {
  const fs::path d = temp_dir();
  const auto c = candidates(2);
  // Numbers written as 2.0 still match 2; key order does not matter; extra columns are comments.
  const std::string csv = write_file(d / "t.csv",
                                     "candidate,perplexity,note\n"
                                     "\"{\"\"hidden\"\":256.0,\"\"layers\"\":2,\"\"ffn\"\":512}\",12.5,first\n"
                                     "\"{\"\"layers\"\":3,\"\"ffn\"\":1024,\"\"hidden\"\":256}\",11,\"a, b\"\n");
  TableQuality t(csv, nullptr);
  EXPECT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.evaluate(c), (std::vector<double>{12.5, 11.0}));
  const std::string msg = error_of(t, candidates(3));
  EXPECT_NE(msg.find("1 candidate(s) are not in the table"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"layers\":4"), std::string::npos) << msg;
}

TEST(TableQuality, KeyedByColumnsWithFallback) {
  const fs::path d = temp_dir();
  const std::string csv = write_file(d / "t.csv", "layers,hidden,ffn,perplexity\n2,256,512,30\n3,256,1024,29.5\n");
  auto fallback = std::make_unique<CommandQuality>(script("while read -r line; do echo 99; done\n"));
  TableQuality t(csv, std::move(fallback));
  EXPECT_EQ(t.evaluate(candidates(4)), (std::vector<double>{30, 29.5, 99, 99}));
  EXPECT_EQ(t.label().rfind("table:" + csv + ",command:", 0), 0u);
  // Array-valued keys.
  const std::string arr = write_file(d / "a.csv", "heads,perplexity\n\"[4,6]\",8\n");
  TableQuality ta(arr, nullptr);
  EXPECT_EQ(ta.evaluate({{{"heads", {4, 6}}, {"other", 1}}}), (std::vector<double>{8}));
}

TEST(TableQuality, BadTablesNameFileAndLine) {
  const fs::path d = temp_dir();
  auto msg = [&](const std::string& text) {
    const std::string p = write_file(d / "bad.csv", text);
    try {
      TableQuality t(p, nullptr);
    } catch (const QualityError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(msg("layers,ppl\n2,3\n").find("bad.csv:1: the quality table has no 'perplexity' column"), std::string::npos);
  EXPECT_NE(msg("layers,perplexity\n2,3\n3,abc\n").find("bad.csv:3: perplexity 'abc' is not a finite number"),
            std::string::npos);
  EXPECT_NE(msg("layers,perplexity\n2,nan\n").find("bad.csv:2:"), std::string::npos);
  EXPECT_NE(msg("layers,perplexity\n2,3\n2,4\n").find("bad.csv:3: this architecture is listed twice"), std::string::npos);
  EXPECT_EQ(msg("layers,perplexity\n2,3\n2,3\n"), "");  // an identical repeat is harmless
  EXPECT_NE(msg("layers,perplexity\n2,3,4\n").find("bad.csv:2: 3 cells, the header has 2"), std::string::npos);
  EXPECT_NE(msg("candidate,perplexity\n{not json,3\n").find("bad.csv:2: the candidate cell is not JSON"), std::string::npos);
  EXPECT_NE(msg("layers,perplexity\n\"2,3\n").find("bad.csv:2: unterminated quoted cell"), std::string::npos);
  EXPECT_NE(msg("").find("empty"), std::string::npos);
  try {
    TableQuality t((d / "missing.csv").string(), nullptr);
    ADD_FAILURE();
  } catch (const QualityError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.csv: cannot open"), std::string::npos);
  }
}

TEST(TableQuality, CsvParserHandlesQuotesAndLineNumbers) {
  const auto rows = parse_csv("a,b\r\n\"x,\"\"y\"\"\",2\n\n\"multi\nline\",3\nlast,4", "f.csv");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].second, (std::vector<std::string>{"x,\"y\"", "2"}));
  EXPECT_EQ(rows[1].first, 2u);
  EXPECT_EQ(rows[2].first, 4u);
  EXPECT_EQ(rows[2].second[0], "multi\nline");
  EXPECT_EQ(rows[3].first, 6u);
  EXPECT_EQ(rows[3].second, (std::vector<std::string>{"last", "4"}));
}

TEST(MakeQuality, ChainsAndErrors) {
  const fs::path d = temp_dir();
  const std::string csv = write_file(d / "t.csv", "layers,perplexity\n2,30\n");
  const std::string prog = script("while read -r line; do echo 5; done\n");
  for (const auto& specs : {std::vector<std::string>{"table:" + csv + ",command:" + prog},
                            std::vector<std::string>{"table:" + csv, "command:" + prog}}) {
    auto e = make_quality(specs);
    EXPECT_EQ(e->label(), "table:" + csv + ",command:" + prog);
    EXPECT_EQ(e->evaluate(candidates(2)), (std::vector<double>{30, 5}));
  }
  // A command with commas in its arguments stays whole.
  auto c = make_quality({"command:" + prog + " a,b"});
  EXPECT_EQ(c->label(), "command:" + prog + " a,b");
  EXPECT_THROW(make_quality({"pytorch:model.pt"}), QualityError);
  EXPECT_THROW(make_quality({"command:" + prog, "table:" + csv}), QualityError);  // command takes no fallback
  EXPECT_THROW(make_quality({}), QualityError);
  EXPECT_THROW(make_quality({"table:"}), QualityError);
}

// A stand-in for the later `supernet` evaluator: registered by name, counts its calls.
struct Counting final : QualityEvaluator {
  int* calls;
  explicit Counting(int* c) : calls(c) {}
  std::string label() const override { return "counting"; }
  std::vector<double> evaluate(const std::vector<nlohmann::json>& c) override {
    *calls += static_cast<int>(c.size());
    std::vector<double> v;
    for (const auto& x : c) v.push_back(x.at("layers").get<double>());
    return v;
  }
};

TEST(MakeQuality, RegistryPlugsInNewKinds) {
  static int calls = 0;
  register_quality("counting", [](const std::string& arg, std::unique_ptr<QualityEvaluator>) {
    EXPECT_EQ(arg, "ckpt.bin");
    return std::unique_ptr<QualityEvaluator>(std::make_unique<Counting>(&calls));
  });
  const auto kinds = quality_kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "counting"), kinds.end());
  auto e = make_quality({"counting:ckpt.bin"});
  EXPECT_EQ(e->evaluate(candidates(2)), (std::vector<double>{2, 3}));
  EXPECT_EQ(calls, 2);
}

TEST(QualityCache, EvaluatesEachDistinctCandidateOnce) {
  int calls = 0;
  Counting e(&calls);
  QualityCache cache;
  auto c = candidates(5);  // layers 2..6
  const nlohmann::json first = c[0];
  c.push_back(first);
  c.push_back({{"ffn", 512}, {"hidden", 256.0}, {"layers", 2}});  // c[0] again, written differently
  EXPECT_EQ(cache.evaluate(e, c), (std::vector<double>{2, 3, 4, 5, 6, 2, 2}));
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(cache.evaluate(e, candidates(6)), (std::vector<double>{2, 3, 4, 5, 6, 2}));
  EXPECT_EQ(calls, 6);  // only the sixth (layers 2, ffn 1536) is new
  EXPECT_EQ(cache.evaluated(), 6u);
  QualityCache restored;
  restored.from_json(nlohmann::json::parse(cache.to_json().dump()));
  EXPECT_EQ(restored.size(), 6u);
  EXPECT_EQ(restored.evaluate(e, candidates(6)), (std::vector<double>{2, 3, 4, 5, 6, 2}));
  EXPECT_EQ(calls, 6);
  EXPECT_EQ(canonical_json({{"b", 1.0}, {"a", {2.5, 3.0}}}), "{\"a\":[2.5,3],\"b\":1}");
}

}  // namespace
}  // namespace coda::nas
