#include "rtl/harness/os_mesh_rtl.h"

#include <stdexcept>

#include "Vosmesh16.h"
#include "Vosmesh4.h"
#include "Vosmesh8.h"
#include "rtl/harness/verilated_mesh.h"

namespace coda::rtl {

namespace {

// DIM int32 values into a VlWide (DIM >= 4: always wider than 64 bits). The width is checked at compile time, and
// the constant bound lets GCC see that every word is in range (with a run-time bound its -Warray-bounds, under the
// sanitizers' inlining, reported words past the end).
template <int Dim, class T>
void put_i32(T& port, const int32_t* row) {
  static_assert(sizeof(port.m_storage) == Dim * sizeof(uint32_t), "the D port holds DIM 32-bit words");
  for (int j = 0; j < Dim; ++j) port.m_storage[j] = row ? uint32_t(row[j]) : 0u;
}

template <class V, int Dim>
class OsMeshRtlImpl final : public detail::VerilatedMesh<OsMeshRtl, V, Dim> {
 public:
  OsMeshRtlImpl() : detail::VerilatedMesh<OsMeshRtl, V, Dim>("os_mesh") { reset(); }

  void reset() override {
    set_a(false, nullptr, false, false, false, 1);
    set_d(false, nullptr, false, false);
    this->reset_model();
  }

  void set_a(bool valid, const int8_t* column, bool first, bool flip, bool last, int rows) override {
    V& top = this->top();
    top.a_valid = valid;
    detail::put_i8(top.a_data, column, Dim);
    top.a_first = first;
    top.a_flip = flip;
    top.a_last = last;
    top.a_rows = uint8_t(rows < 1 ? 1 : rows > 255 ? 255 : rows);
  }
  void set_d(bool valid, const int32_t* row, bool first, bool last) override {
    V& top = this->top();
    top.d_valid = valid;
    put_i32<Dim>(top.d_data, row);
    top.d_first = first;
    top.d_last = last;
  }
};

}  // namespace

std::unique_ptr<OsMeshRtl> OsMeshRtl::create(int dim) {
  switch (dim) {
    case 4: return std::make_unique<OsMeshRtlImpl<Vosmesh4, 4>>();
    case 8: return std::make_unique<OsMeshRtlImpl<Vosmesh8, 8>>();
    case 16: return std::make_unique<OsMeshRtlImpl<Vosmesh16, 16>>();
    default:
      throw std::invalid_argument("the RTL OS mesh is Verilated for DIM 4, 8 and 16 only, not DIM " +
                                  std::to_string(dim));
  }
}

}  // namespace coda::rtl
