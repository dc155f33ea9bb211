#pragma once
// Cost evaluations spread over MPI ranks (`mpirun -np N coda nas ...`). Rank 0 runs the search; every rank,
// rank 0 included, evaluates the genomes i of a batch with i % N == rank, and rank 0 gathers the costs back into
// their slots. A cost depends only on its genome, so the result is identical to a single-process run.
//
// Built with MPI when CMake finds it (OpenMPI from Debian: libopenmpi-dev, openmpi-bin); MPI is initialised only
// when the process was started by mpirun/mpiexec, so a plain `coda` run never touches it.
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "nas/search.h"

namespace coda::nas {

class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// True if the environment says this process was started by an MPI launcher with more than one rank.
bool launched_by_mpirun();
/// True if this build has MPI support.
bool mpi_available();

class Cluster {
 public:
  /// Initialises MPI when launched_by_mpirun(); returns null for a single process. Throws DistributedError if
  /// started by mpirun on a build without MPI.
  static std::unique_ptr<Cluster> join();
  struct Key {
    explicit Key() = default;
  };
  Cluster(Key, int rank, int size) : rank_(rank), size_(size) {}  // only join() has a Key
  ~Cluster();  // rank 0 releases the workers; MPI_Finalize
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

  /// Rank 0: a BatchCost that spreads each batch over all ranks; `channel` selects which of the workers' cost
  /// functions is used (0: the search's cost, 1: the final report's full cost).
  BatchCost batch(int channel, std::function<Cost(const Genome&)> local_cost, unsigned jobs);
  /// Ranks > 0: evaluate batches with costs[channel] until rank 0 is done.
  void serve(const std::vector<std::function<Cost(const Genome&)>>& costs, unsigned jobs);

 private:
  int rank_ = 0, size_ = 1;
  bool released_ = false;
};

}  // namespace coda::nas
