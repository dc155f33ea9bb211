#include "models/lm/corpus.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

namespace coda::models::lm {

namespace fs = std::filesystem;

namespace {

std::vector<char32_t> decode_utf8(const std::string& s, const std::string& origin) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  size_t i = 0;
  size_t line = 1;
  auto fail = [&] { throw CorpusError(fmt::format("{}: line {}: invalid UTF-8", origin, line)); };
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = 0;
    char32_t cp = 0;
    if (c < 0x80) {
      cp = c;
    } else if ((c & 0xe0) == 0xc0) {
      cp = c & 0x1f, extra = 1;
    } else if ((c & 0xf0) == 0xe0) {
      cp = c & 0x0f, extra = 2;
    } else if ((c & 0xf8) == 0xf0) {
      cp = c & 0x07, extra = 3;
    } else {
      fail();
    }
    for (int k = 1; k <= extra; ++k) {
      if (i + static_cast<size_t>(k) >= s.size()) fail();
      const auto cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc & 0xc0) != 0x80) fail();
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp == U'\n') ++line;
    out.push_back(cp);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

std::string read_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw CorpusError(fmt::format("{}: cannot read", path.string()));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

std::string run_bible_kjv() {
  struct Closer {
    void operator()(FILE* f) const { pclose(f); }
  };
  // -l100000: no line wrapping, so every verse is one line.
  std::unique_ptr<FILE, Closer> pipe(popen("bible -l100000 'Gen1:1-Rev22:21' 2>/dev/null", "r"));
  if (!pipe) throw CorpusError("bible: cannot start the `bible` tool (install the Debian package bible-kjv)");
  std::string out;
  std::array<char, 65536> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  const int status = pclose(pipe.release());
  if (status != 0 || out.empty()) {
    throw CorpusError("bible: `bible -l100000 Gen1:1-Rev22:21` failed (install the Debian package bible-kjv)");
  }
  return out;
}

std::vector<Book> parse_bible_output(const std::string& output) {
  std::vector<Book> books;
  std::istringstream in(output);
  std::string line;
  std::string* verse = nullptr;  // the verse being assembled
  auto flush = [&] {
    if (verse != nullptr && !books.empty()) {
      books.back().text += *verse;
      books.back().text += '\n';
    }
  };
  std::string current;
  bool after_blank = true;  // headings follow a blank line; wrapped verse text does not
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      after_blank = true;
      continue;
    }
    const bool heading_shape = line.front() != ' ' && line.find_last_of(' ') != std::string::npos &&
                               line.find_first_not_of("0123456789", line.find_last_of(' ') + 1) == std::string::npos;
    const bool heading = after_blank && heading_shape;
    after_blank = false;
    if (heading) {
      // "Book chapter": a new chapter; a new book when the name changes.
      const auto sp = line.find_last_of(' ');
      const std::string name = sp == std::string::npos ? line : line.substr(0, sp);
      flush();
      verse = nullptr;
      if (books.empty() || books.back().name != name) books.push_back(Book{name, {}});
      continue;
    }
    const auto first = line.find_first_not_of(' ');
    if (line.front() != ' ') {  // a wrapped continuation of the current verse
      if (verse != nullptr) *verse += ' ' + line;
      continue;
    }
    size_t p = first;
    while (p < line.size() && line[p] >= '0' && line[p] <= '9') ++p;
    if (p > first && p < line.size() && line[p] == ' ') {
      flush();
      current = line.substr(p + 1);
      verse = &current;
    } else if (verse != nullptr) {
      *verse += ' ';
      *verse += line.substr(first);
    }
  }
  flush();
  std::erase_if(books, [](const Book& b) { return b.text.empty(); });
  if (books.empty()) throw CorpusError("bible: no verses found in the tool's output");
  return books;
}

CorpusSplit split_kjv(const std::vector<Book>& books) {
  CorpusSplit s;
  s.source = "bible-kjv";
  for (size_t i = 0; i < books.size(); ++i) {
    if (i % 11 == 5) {
      s.valid += books[i].text, s.valid_parts.push_back(books[i].name);
    } else if (i % 11 == 10) {
      s.test += books[i].text, s.test_parts.push_back(books[i].name);
    } else {
      s.train += books[i].text, s.train_parts.push_back(books[i].name);
    }
  }
  return s;
}

CorpusSplit split_text(const std::string& text, const std::string& source) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line + '\n');
  if (lines.size() < 20) throw CorpusError(fmt::format("{}: needs at least 20 lines to split, got {}", source, lines.size()));
  CorpusSplit s;
  s.source = source;
  const size_t n = lines.size();
  for (size_t c = 0; c < 20; ++c) {
    const size_t a = n * c / 20, b = n * (c + 1) / 20;
    std::string chunk;
    for (size_t i = a; i < b; ++i) chunk += lines[i];
    const std::string part = fmt::format("lines {}-{}", a + 1, b);
    if (c == 9) {
      s.valid += chunk, s.valid_parts.push_back(part);
    } else if (c == 19) {
      s.test += chunk, s.test_parts.push_back(part);
    } else {
      s.train += chunk, s.train_parts.push_back(part);
    }
  }
  return s;
}

CorpusSplit kjv_corpus() { return split_kjv(parse_bible_output(run_bible_kjv())); }

CorpusSplit file_corpus(const fs::path& path) {
  const std::string text = read_file(path);
  (void)decode_utf8(text, path.string());
  return split_text(text, path.string());
}

Vocab Vocab::from_text(const std::string& utf8) {
  std::vector<char32_t> cps = decode_utf8(utf8, "text");
  std::sort(cps.begin(), cps.end());
  cps.erase(std::unique(cps.begin(), cps.end()), cps.end());
  Vocab v;
  v.chars_ = std::move(cps);
  return v;
}

Vocab Vocab::from_chars(const std::string& chars_utf8) {
  Vocab v;
  v.chars_ = decode_utf8(chars_utf8, "vocab");
  std::vector<char32_t> sorted = v.chars_;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) throw CorpusError("vocab: repeated character");
  return v;
}

std::string Vocab::chars_utf8() const {
  std::string out;
  for (char32_t c : chars_) append_utf8(out, c);
  return out;
}

std::vector<int32_t> Vocab::encode(const std::string& utf8, const std::string& origin) const {
  const std::vector<char32_t> cps = decode_utf8(utf8, origin);
  // Sorted vocab (from_text) allows binary search; from_chars keeps the given order, so search a sorted copy.
  std::vector<std::pair<char32_t, int32_t>> index;
  index.reserve(chars_.size());
  for (size_t i = 0; i < chars_.size(); ++i) index.emplace_back(chars_[i], static_cast<int32_t>(i));
  std::sort(index.begin(), index.end());
  std::vector<int32_t> ids;
  ids.reserve(cps.size());
  size_t line = 1;
  for (char32_t c : cps) {
    const auto it = std::lower_bound(index.begin(), index.end(), std::pair<char32_t, int32_t>{c, INT32_MIN});
    if (it == index.end() || it->first != c) {
      throw CorpusError(fmt::format("{}: line {}: character U+{:04X} is not in the vocabulary", origin, line,
                                    static_cast<uint32_t>(c)));
    }
    if (c == U'\n') ++line;
    ids.push_back(it->second);
  }
  return ids;
}

std::string Vocab::decode(const std::vector<int32_t>& ids) const {
  std::string out;
  for (int32_t id : ids) {
    if (id < 0 || id >= size()) throw CorpusError(fmt::format("vocab: id {} out of range", id));
    append_utf8(out, chars_[static_cast<size_t>(id)]);
  }
  return out;
}

Vocab corpus_vocab(const CorpusSplit& s) { return Vocab::from_text(s.train + s.valid + s.test); }

void write_file_atomic(const fs::path& path, const std::string& data) {
  const fs::path tmp = path.string() + fmt::format(".tmp{}", static_cast<long>(getpid()));
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw CorpusError(fmt::format("{}: cannot write", tmp.string()));
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    f.flush();
    if (!f) throw CorpusError(fmt::format("{}: write failed", tmp.string()));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw CorpusError(fmt::format("{}: cannot rename into place", path.string()));
  }
}

void write_corpus(const CorpusSplit& s, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw CorpusError(fmt::format("{}: cannot create directory: {}", dir.string(), ec.message()));
  const Vocab vocab = corpus_vocab(s);
  write_file_atomic(dir / "train.txt", s.train);
  write_file_atomic(dir / "valid.txt", s.valid);
  write_file_atomic(dir / "test.txt", s.test);
  write_file_atomic(dir / "vocab.txt", vocab.chars_utf8());
  nlohmann::ordered_json j;
  j["source"] = s.source;
  j["vocab_size"] = vocab.size();
  j["train"] = {{"bytes", s.train.size()}, {"parts", s.train_parts}};
  j["valid"] = {{"bytes", s.valid.size()}, {"parts", s.valid_parts}};
  j["test"] = {{"bytes", s.test.size()}, {"parts", s.test_parts}};
  write_file_atomic(dir / "split.json", j.dump(2) + "\n");
}

CorpusSplit read_corpus(const fs::path& dir) {
  CorpusSplit s;
  s.train = read_file(dir / "train.txt");
  s.valid = read_file(dir / "valid.txt");
  s.test = read_file(dir / "test.txt");
  s.source = dir.string();
  const fs::path meta = dir / "split.json";
  if (fs::exists(meta)) {
    try {
      const auto j = nlohmann::json::parse(read_file(meta));
      s.source = j.value("source", s.source);
      s.train_parts = j.at("train").at("parts").get<std::vector<std::string>>();
      s.valid_parts = j.at("valid").at("parts").get<std::vector<std::string>>();
      s.test_parts = j.at("test").at("parts").get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception& e) {
      throw CorpusError(fmt::format("{}: {}", meta.string(), e.what()));
    }
  }
  return s;
}

}  // namespace coda::models::lm
