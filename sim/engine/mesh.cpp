#include "sim/engine/mesh.h"

#include <algorithm>

namespace coda::engine {

Mesh::Mesh(const config::HwConfig& hw, bool functional)
    : dim_(hw.dim()),
      latency_(static_cast<uint64_t>((2 * hw.dim() - 1) * hw.mesh.tile_latency_cycles + hw.mesh.output_delay_cycles)) {
  if (functional) {
    shadow.assign(size_t(dim_ * dim_), 0);
    active.assign(size_t(dim_ * dim_), 0);
    os_acc.assign(size_t(dim_ * dim_), 0);
  }
}

}  // namespace coda::engine
