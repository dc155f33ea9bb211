#include "models/workload.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <utility>

namespace coda::models {

namespace {

// Product of non-negative factors; throws when it does not fit in int64_t.
int64_t checked_product(std::initializer_list<int64_t> factors, std::string_view what) {
  int64_t p = 1;
  for (int64_t f : factors) {
    if (__builtin_mul_overflow(p, f, &p))
      throw std::invalid_argument(fmt::format("{} overflows 64-bit counters", what));
  }
  return p;
}

int64_t checked_sum(int64_t a, int64_t b, std::string_view what) {
  int64_t s = 0;
  if (__builtin_add_overflow(a, b, &s)) throw std::invalid_argument(fmt::format("{} overflows 64-bit counters", what));
  return s;
}

void require_positive(int64_t v, std::string_view what) {
  if (v < 1) throw std::invalid_argument(fmt::format("{} must be >= 1, got {}", what, v));
}

}  // namespace

void TransformerSpec::validate() const {
  require_positive(layers, "layers");
  require_positive(seq_len, "seq_len");
  require_positive(batch, "batch");
  require_positive(hidden, "hidden");
  require_positive(head_dim, "head_dim");
  if (vocab < 0) throw std::invalid_argument(fmt::format("vocab must be >= 0, got {}", vocab));
  if (static_cast<int64_t>(heads.size()) != layers)
    throw std::invalid_argument(fmt::format("heads has {} entries, expected one per layer ({})", heads.size(), layers));
  if (static_cast<int64_t>(ffn.size()) != layers)
    throw std::invalid_argument(fmt::format("ffn has {} entries, expected one per layer ({})", ffn.size(), layers));
  if (layers > kMaxLayers) throw std::invalid_argument(fmt::format("layers must be <= {}, got {}", kMaxLayers, layers));

  // Every MAC and byte count of the op graph must fit in int64_t: bound the largest tensors (x 8: four bytes
  // per element, two operands) and the running MAC total.
  const int64_t rows = checked_product({batch, seq_len}, "batch * seq_len");
  int64_t total_macs = 0;
  for (int64_t i = 0; i < layers; ++i) {
    require_positive(heads[i], fmt::format("heads[{}]", i));
    require_positive(ffn[i], fmt::format("ffn[{}]", i));
    const int64_t width = checked_product({heads[i], head_dim}, "heads * head_dim");
    checked_product({8, rows, std::max({hidden, width, ffn[i]})}, "activation size");
    checked_product({8, hidden, std::max(width, ffn[i])}, "weight size");
    checked_product({8, batch, heads[i], seq_len, seq_len}, "attention score size");
    const int64_t layer_macs =
        checked_sum(checked_sum(checked_product({4, rows, hidden, width}, "projection MACs"),
                                checked_product({2, rows, seq_len, width}, "attention MACs"), "layer MACs"),
                    checked_product({2, rows, hidden, ffn[i]}, "FFN MACs"), "layer MACs");
    total_macs = checked_sum(total_macs, layer_macs, "total MACs");
  }
  if (vocab > 0) {
    checked_product({8, std::max(rows, hidden), vocab}, "LM head size");
    checked_sum(total_macs, checked_product({rows, hidden, vocab}, "LM head MACs"), "total MACs");
  }
}

TransformerSpec uniform_spec(std::string name, int64_t layers, int64_t seq_len, int64_t hidden, int64_t heads,
                             int64_t ffn, int64_t head_dim, int64_t batch, bool causal, int64_t vocab) {
  require_positive(layers, "layers");
  require_positive(heads, "heads");
  if (layers > TransformerSpec::kMaxLayers)
    throw std::invalid_argument(fmt::format("layers must be <= {}, got {}", TransformerSpec::kMaxLayers, layers));
  if (head_dim == 0) {
    require_positive(hidden, "hidden");
    if (hidden % heads != 0)
      throw std::invalid_argument(
          fmt::format("hidden ({}) is not divisible by heads ({}); give head_dim explicitly", hidden, heads));
    head_dim = hidden / heads;
  }
  TransformerSpec s;
  s.name = std::move(name);
  s.layers = layers;
  s.seq_len = seq_len;
  s.batch = batch;
  s.hidden = hidden;
  s.head_dim = head_dim;
  s.heads.assign(static_cast<size_t>(layers), heads);
  s.ffn.assign(static_cast<size_t>(layers), ffn);
  s.causal = causal;
  s.vocab = vocab;
  s.validate();
  return s;
}

}  // namespace coda::models
