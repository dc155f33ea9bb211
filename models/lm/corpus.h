// The language model's corpus: the King James Bible from Debian's bible-kjv package (public domain), or any UTF-8
// text file, split deterministically into train/valid/test, and the character-level vocabulary.
//
// KJV split (by books, in canonical order 0..65): book i goes to valid when i % 11 == 5, to test when
// i % 11 == 10, to train otherwise. That puts 6 books in each held-out split, spread over both testaments:
//   valid: Joshua, Esther, Daniel, Malachi, Ephesians, 1 Peter
//   test:  1 Kings, Song of Solomon, Micah, John, 1 Timothy, Revelation
// Text: one verse per line, verse references and chapter headings stripped, books concatenated in order.
// Other text (--corpus FILE): split by lines into 20 contiguous chunks of (nearly) equal line count; chunk 9
// goes to valid, chunk 19 to test, the rest to train (so both held-out parts are contiguous text).
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace coda::models::lm {

// Missing tool, unreadable file, invalid UTF-8, unknown character, ... The message names the file or tool.
class CorpusError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Book {
  std::string name;  // e.g. "Genesis", "1 Samuel"
  std::string text;  // one verse per line, each line ending in '\n'
};

// Runs `bible -l100000 Gen1:1-Rev22:21` (bible-kjv) and returns its output. Throws CorpusError when the tool
// is missing or fails.
std::string run_bible_kjv();
// Parses bible's output: "Book chapter" lines after a blank line start a chapter, "  N text" lines are verses;
// verses wrapped onto continuation lines (bible's default line width) are joined. Throws CorpusError when no verse is found.
std::vector<Book> parse_bible_output(const std::string& output);

struct CorpusSplit {
  std::string source;  // "bible-kjv" or the file path
  std::string train, valid, test;
  std::vector<std::string> train_parts, valid_parts, test_parts;  // book names (KJV) or "lines A-B"
};

CorpusSplit split_kjv(const std::vector<Book>& books);
CorpusSplit split_text(const std::string& text, const std::string& source);
// The whole KJV pipeline: run_bible_kjv, parse, split.
CorpusSplit kjv_corpus();
// Reads a UTF-8 text file and splits it (throws CorpusError naming the file).
CorpusSplit file_corpus(const std::filesystem::path& path);

// Character vocabulary: the distinct Unicode code points of a text, sorted; id = index.
class Vocab {
 public:
  Vocab() = default;
  static Vocab from_text(const std::string& utf8);
  // The inverse of chars_utf8(): the characters in id order.
  static Vocab from_chars(const std::string& chars_utf8);
  int64_t size() const { return static_cast<int64_t>(chars_.size()); }
  std::string chars_utf8() const;
  // Throws CorpusError (naming `origin`) on invalid UTF-8 or a character outside the vocabulary.
  std::vector<int32_t> encode(const std::string& utf8, const std::string& origin = "text") const;
  std::string decode(const std::vector<int32_t>& ids) const;
  friend bool operator==(const Vocab&, const Vocab&) = default;

 private:
  std::vector<char32_t> chars_;
};

// Vocabulary of all three parts (so that no split has unknown characters).
Vocab corpus_vocab(const CorpusSplit& split);

// DIR/train.txt, valid.txt, test.txt, vocab.txt (the characters in id order, UTF-8) and split.json (source,
// parts and sizes). Files are written atomically; DIR is created.
void write_corpus(const CorpusSplit& split, const std::filesystem::path& dir);
// Reads what write_corpus wrote. Throws CorpusError naming the missing file.
CorpusSplit read_corpus(const std::filesystem::path& dir);

// Writes `data` to `path` through a temporary file in the same directory and a rename.
void write_file_atomic(const std::filesystem::path& path, const std::string& data);

}  // namespace coda::models::lm
