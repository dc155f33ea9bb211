// The on-disk LUT store: one SQLite database (WAL mode) shared by concurrent runs. An entry is the latency and
// energy of one op of an encoder layer in one measurement context (hardware fingerprint, engine version and
// lowering options, see nas/lut/lut.h); the key (context, op, shape) means a changed config or engine never
// serves another context's entries. Writers insert whole batches in one transaction with INSERT OR IGNORE, so
// an interrupted build leaves complete batches only and concurrent builders of the same entries do not clash.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;

namespace coda::nas::lut {

/// A database problem (cannot open, locked beyond the busy timeout, corrupt file). The CLI reports it.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Entry {
  std::string context;    // measurement context key (LutContext::key())
  std::string op;         // op role within a layer, e.g. "q_proj", "softmax", "ln2"; or "boundary"
  std::string shape;      // the layer dimensions the op depends on, e.g. "s512.h768.a12x64" or "s512.h768.f3072"
  std::string kind;       // models::op_kind_name
  std::string block;      // "mha", "ffn" or "stack"
  std::string placement;  // compiler::placement_name (where the lowering put it)
  int64_t cycles = 0;     // attributed cycles (may be negative for a correction)
  double energy_j = 0;    // attributed energy, J

  bool operator==(const Entry&) const = default;
};

/// What a context key stands for (kept for export and inspection).
struct ContextInfo {
  std::string context;
  std::string hw_name;
  std::string hw_fingerprint;
  std::string engine_version;
  std::string lowering;  // schedule, dataflow, tiling
};

class Store {
 public:
  /// Opens (creating the file, its directory and the tables when needed) the database at `path`.
  /// Throws StoreError.
  explicit Store(const std::string& path, int busy_timeout_ms = 60000);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }

  /// Inserts the entries in one transaction; entries whose key exists are left as they are.
  void insert(const std::vector<Entry>& entries);
  void put_context(const ContextInfo& info);
  /// Every entry of a context, ordered by (op, shape).
  std::vector<Entry> entries(const std::string& context) const;
  /// Every entry, ordered by (context, op, shape).
  std::vector<Entry> all_entries() const;
  std::vector<ContextInfo> contexts() const;
  std::size_t count() const;

  /// Writes all entries as CSV (context,hw_name,hw_fingerprint,engine_version,lowering,op,shape,kind,block,
  /// placement,cycles,energy_j) to `csv_path` atomically (temporary file, then rename). Throws StoreError.
  void export_csv(const std::string& csv_path) const;

  /// $CODA_LUT_DB if set, else $XDG_CACHE_HOME/coda/lut.sqlite, else $HOME/.cache/coda/lut.sqlite.
  static std::string default_path();

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  std::string path_;
  std::unique_ptr<sqlite3, Closer> db_;
  void exec(const char* sql) const;
};

}  // namespace coda::nas::lut
