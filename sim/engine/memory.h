// Functional DRAM behind an interface. By default the engine keeps DRAM contents in its own byte vector
// (Engine::memory()); an embedder can supply a backend instead, e.g. the SystemC wrapper, whose backend moves
// the bytes through its TLM initiator socket. Only functional mode touches it; timing is the Dram's business.
#pragma once

#include <cstddef>
#include <cstdint>

namespace coda::engine {

class MemoryBackend {
 public:
  virtual ~MemoryBackend() = default;
  virtual void read(uint64_t addr, uint8_t* dst, size_t bytes) = 0;
  virtual void write(uint64_t addr, const uint8_t* src, size_t bytes) = 0;
};

}  // namespace coda::engine
