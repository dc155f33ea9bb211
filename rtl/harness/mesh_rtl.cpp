#include "rtl/harness/mesh_rtl.h"

#include <stdexcept>

#include "Vmesh16.h"
#include "Vmesh4.h"
#include "Vmesh8.h"
#include "rtl/harness/verilated_mesh.h"

namespace coda::rtl {

namespace {

template <class V, int Dim>
class MeshRtlImpl final : public detail::VerilatedMesh<MeshRtl, V, Dim> {
 public:
  MeshRtlImpl() : detail::VerilatedMesh<MeshRtl, V, Dim>("mesh") { reset(); }

  void reset() override {
    set_a(false, nullptr, false, false, false);
    this->reset_model();
  }

  void set_a(bool valid, const int8_t* row, bool first, bool flip, bool last) override {
    V& top = this->top();
    top.a_valid = valid;
    detail::put_i8(top.a_data, row, Dim);
    top.a_first = first;
    top.a_flip = flip;
    top.a_last = last;
  }
};

}  // namespace

bool MeshRtl::supported(int dim) { return dim == 4 || dim == 8 || dim == 16; }

std::unique_ptr<MeshRtl> MeshRtl::create(int dim) {
  switch (dim) {
    case 4: return std::make_unique<MeshRtlImpl<Vmesh4, 4>>();
    case 8: return std::make_unique<MeshRtlImpl<Vmesh8, 8>>();
    case 16: return std::make_unique<MeshRtlImpl<Vmesh16, 16>>();
    default:
      throw std::invalid_argument("the RTL mesh is Verilated for DIM 4, 8 and 16 only, not DIM " + std::to_string(dim));
  }
}

}  // namespace coda::rtl
