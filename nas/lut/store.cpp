#include "nas/lut/store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace coda::nas::lut {

namespace {

namespace fs = std::filesystem;

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw StoreError(fmt::format("LUT store: cannot prepare '{}': {}", sql, sqlite3_errmsg(db)));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  sqlite3_stmt* get() const { return s_; }
  void text(int i, const std::string& v) { sqlite3_bind_text(s_, i, v.c_str(), int(v.size()), SQLITE_TRANSIENT); }
  // Steps; true while a row is available. Throws on errors.
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StoreError(fmt::format("LUT store: {}", sqlite3_errmsg(db_)));
  }
  std::string col_text(int i) const {
    const unsigned char* t = sqlite3_column_text(s_, i);
    return t ? reinterpret_cast<const char*>(t) : "";
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

Entry read_entry(const Stmt& q) {
  Entry e;
  e.context = q.col_text(0);
  e.op = q.col_text(1);
  e.shape = q.col_text(2);
  e.kind = q.col_text(3);
  e.block = q.col_text(4);
  e.placement = q.col_text(5);
  e.cycles = sqlite3_column_int64(q.get(), 6);
  e.energy_j = sqlite3_column_double(q.get(), 7);
  return e;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void Store::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Store::Store(const std::string& path, int busy_timeout_ms) : path_(path) {
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK)
    throw StoreError(fmt::format("LUT store {}: cannot open: {}", path, raw ? sqlite3_errmsg(raw) : "out of memory"));
  sqlite3_busy_timeout(db_.get(), busy_timeout_ms);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec("CREATE TABLE IF NOT EXISTS lut_entry ("
       " context TEXT NOT NULL, op TEXT NOT NULL, shape TEXT NOT NULL,"
       " kind TEXT NOT NULL, block TEXT NOT NULL, placement TEXT NOT NULL,"
       " cycles INTEGER NOT NULL, energy_j REAL NOT NULL,"
       " PRIMARY KEY (context, op, shape)) WITHOUT ROWID");
  exec("CREATE TABLE IF NOT EXISTS lut_context ("
       " context TEXT PRIMARY KEY, hw_name TEXT NOT NULL, hw_fingerprint TEXT NOT NULL,"
       " engine_version TEXT NOT NULL, lowering TEXT NOT NULL)");
}

Store::~Store() = default;

void Store::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : sqlite3_errmsg(db_.get());
    sqlite3_free(err);
    throw StoreError(fmt::format("LUT store {}: {}", path_, msg));
  }
}

void Store::insert(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  // BEGIN IMMEDIATE takes the write lock up front, so that the busy timeout (not a deadlock error) governs
  // waiting for another writer.
  exec("BEGIN IMMEDIATE");
  try {
    Stmt q(db_.get(),
           "INSERT OR IGNORE INTO lut_entry (context, op, shape, kind, block, placement, cycles, energy_j)"
           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    for (const Entry& e : entries) {
      sqlite3_reset(q.get());
      q.text(1, e.context);
      q.text(2, e.op);
      q.text(3, e.shape);
      q.text(4, e.kind);
      q.text(5, e.block);
      q.text(6, e.placement);
      sqlite3_bind_int64(q.get(), 7, e.cycles);
      sqlite3_bind_double(q.get(), 8, e.energy_j);
      q.step();
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void Store::put_context(const ContextInfo& c) {
  Stmt q(db_.get(),
         "INSERT OR IGNORE INTO lut_context (context, hw_name, hw_fingerprint, engine_version, lowering)"
         " VALUES (?1, ?2, ?3, ?4, ?5)");
  q.text(1, c.context);
  q.text(2, c.hw_name);
  q.text(3, c.hw_fingerprint);
  q.text(4, c.engine_version);
  q.text(5, c.lowering);
  q.step();
}

std::vector<Entry> Store::entries(const std::string& context) const {
  Stmt q(db_.get(),
         "SELECT context, op, shape, kind, block, placement, cycles, energy_j FROM lut_entry WHERE context = ?1"
         " ORDER BY op, shape");
  q.text(1, context);
  std::vector<Entry> out;
  while (q.step()) out.push_back(read_entry(q));
  return out;
}

std::vector<Entry> Store::all_entries() const {
  Stmt q(db_.get(),
         "SELECT context, op, shape, kind, block, placement, cycles, energy_j FROM lut_entry ORDER BY context, op, shape");
  std::vector<Entry> out;
  while (q.step()) out.push_back(read_entry(q));
  return out;
}

std::vector<ContextInfo> Store::contexts() const {
  Stmt q(db_.get(), "SELECT context, hw_name, hw_fingerprint, engine_version, lowering FROM lut_context ORDER BY context");
  std::vector<ContextInfo> out;
  while (q.step()) out.push_back({q.col_text(0), q.col_text(1), q.col_text(2), q.col_text(3), q.col_text(4)});
  return out;
}

std::size_t Store::count() const {
  Stmt q(db_.get(), "SELECT COUNT(*) FROM lut_entry");
  q.step();
  return static_cast<std::size_t>(sqlite3_column_int64(q.get(), 0));
}

void Store::export_csv(const std::string& csv_path) const {
  std::map<std::string, ContextInfo> ctx;
  for (auto& c : contexts()) ctx[c.context] = c;
  const std::string tmp = csv_path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw StoreError(fmt::format("cannot write {}", tmp));
    out << "context,hw_name,hw_fingerprint,engine_version,lowering,op,shape,kind,block,placement,cycles,energy_j\n";
    for (const Entry& e : all_entries()) {
      const ContextInfo& c = ctx[e.context];
      out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{:.9e}\n", csv_field(e.context), csv_field(c.hw_name),
                         csv_field(c.hw_fingerprint), csv_field(c.engine_version), csv_field(c.lowering),
                         csv_field(e.op), csv_field(e.shape), e.kind, e.block, e.placement, e.cycles, e.energy_j);
    }
    out.flush();
    if (!out) throw StoreError(fmt::format("cannot write {}", tmp));
  }
  std::error_code ec;
  fs::rename(tmp, csv_path, ec);
  if (ec) throw StoreError(fmt::format("cannot rename {} to {}: {}", tmp, csv_path, ec.message()));
}

std::string Store::default_path() {
  if (const char* p = std::getenv("CODA_LUT_DB"); p && *p) return p;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return (fs::path(x) / "coda" / "lut.sqlite").string();
  if (const char* h = std::getenv("HOME"); h && *h) return (fs::path(h) / ".cache" / "coda" / "lut.sqlite").string();
  return "coda-lut.sqlite";
}

}  // namespace coda::nas::lut
