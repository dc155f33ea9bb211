#include "nas/distributed.h"

#include <fmt/format.h>

#include <cstdlib>

#ifdef CODA_HAVE_MPI
#include <mpi.h>
#endif

namespace coda::nas {

bool launched_by_mpirun() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"}) {
    const char* v = std::getenv(var);
    if (v && std::atoi(v) > 1) return true;
  }
  return false;
}

#ifndef CODA_HAVE_MPI

bool mpi_available() { return false; }

std::unique_ptr<Cluster> Cluster::join() {
  if (launched_by_mpirun())
    throw DistributedError("started by mpirun, but this coda was built without MPI (install libopenmpi-dev and "
                           "rebuild: scripts/setup.sh)");
  return nullptr;
}
Cluster::~Cluster() = default;
BatchCost Cluster::batch(int, std::function<Cost(const Genome&)> local_cost, unsigned jobs) {
  return parallel_batch(std::move(local_cost), jobs);
}
void Cluster::serve(const std::vector<std::function<Cost(const Genome&)>>&, unsigned) {}

#else

namespace {

constexpr int kStop = -1;

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw DistributedError(fmt::format("MPI call {} failed (code {})", what, rc));
}

// One batch on this rank: the genomes whose index is congruent to the rank, on `jobs` threads.
std::vector<double> evaluate_share(const std::vector<Genome>& batch, int rank, int size,
                                   const std::function<Cost(const Genome&)>& cost, unsigned jobs, std::string& error) {
  std::vector<Genome> mine;
  for (std::size_t i = static_cast<std::size_t>(rank); i < batch.size(); i += static_cast<std::size_t>(size))
    mine.push_back(batch[i]);
  std::vector<double> flat;
  try {
    for (const Cost& c : parallel_batch(cost, jobs)(mine))
      flat.insert(flat.end(), {c.latency_cycles, c.seconds, c.energy_j, c.edp});
  } catch (const std::exception& e) {
    error = e.what();
    flat.assign(mine.size() * 4, 0.0);
  }
  return flat;
}

// Every rank takes part: header [channel, count, genes] and the genomes from rank 0, the costs and any error text
// back to rank 0. Returns the costs in batch order on rank 0.
std::vector<Cost> exchange(int rank, int size, int channel, std::vector<Genome> batch,
                           const std::function<Cost(const Genome&)>& cost, unsigned jobs) {
  const int count = static_cast<int>(batch.size());
  const int genes = count ? static_cast<int>(batch[0].size()) : 0;
  std::vector<int> flat_genomes;
  if (rank == 0)
    for (const auto& g : batch) flat_genomes.insert(flat_genomes.end(), g.begin(), g.end());
  else
    flat_genomes.resize(static_cast<std::size_t>(count) * static_cast<std::size_t>(genes));
  check(MPI_Bcast(flat_genomes.data(), count * genes, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
  if (rank != 0) {
    batch.assign(static_cast<std::size_t>(count), Genome(static_cast<std::size_t>(genes)));
    for (int i = 0; i < count; ++i)
      std::copy_n(flat_genomes.begin() + static_cast<std::ptrdiff_t>(i) * genes, genes, batch[static_cast<std::size_t>(i)].begin());
  }
  std::string error;
  const std::vector<double> mine = evaluate_share(batch, rank, size, cost, jobs, error);

  // Costs: rank r holds the genomes r, r+size, ...; gathered rank by rank, then put back in batch order.
  std::vector<int> counts(static_cast<std::size_t>(size)), displs(static_cast<std::size_t>(size));
  for (int r = 0, off = 0; r < size; ++r) {
    const int n = count > r ? (count - r + size - 1) / size : 0;
    counts[static_cast<std::size_t>(r)] = 4 * n;
    displs[static_cast<std::size_t>(r)] = off;
    off += 4 * n;
  }
  std::vector<double> all(rank == 0 ? static_cast<std::size_t>(4 * count) : 0);
  check(MPI_Gatherv(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE, all.data(), counts.data(), displs.data(),
                    MPI_DOUBLE, 0, MPI_COMM_WORLD),
        "MPI_Gatherv");
  // Error texts (empty when fine).
  const int len = static_cast<int>(error.size());
  std::vector<int> lens(static_cast<std::size_t>(size));
  check(MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::vector<int> tdispl(static_cast<std::size_t>(size));
  int total = 0;
  for (int r = 0; r < size; ++r) {
    tdispl[static_cast<std::size_t>(r)] = total;
    total += rank == 0 ? lens[static_cast<std::size_t>(r)] : 0;
  }
  std::string texts(static_cast<std::size_t>(total), '\0');
  check(MPI_Gatherv(error.data(), len, MPI_CHAR, texts.data(), lens.data(), tdispl.data(), MPI_CHAR, 0, MPI_COMM_WORLD),
        "MPI_Gatherv");
  if (rank != 0) return {};
  for (int r = 0; r < size; ++r)
    if (lens[static_cast<std::size_t>(r)] > 0)
      throw DistributedError(fmt::format("cost evaluation failed on MPI rank {}: {}", r,
                                         texts.substr(static_cast<std::size_t>(tdispl[static_cast<std::size_t>(r)]),
                                                      static_cast<std::size_t>(lens[static_cast<std::size_t>(r)]))));
  std::vector<Cost> out(static_cast<std::size_t>(count));
  for (int r = 0; r < size; ++r)
    for (int k = 0, i = r; i < count; ++k, i += size) {
      const double* c = all.data() + displs[static_cast<std::size_t>(r)] + 4 * k;
      out[static_cast<std::size_t>(i)] = {c[0], c[1], c[2], c[3]};
    }
  (void)channel;
  return out;
}

}  // namespace

bool mpi_available() { return true; }

std::unique_ptr<Cluster> Cluster::join() {
  if (!launched_by_mpirun()) return nullptr;
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::make_unique<Cluster>(Key{}, rank, size);
}

Cluster::~Cluster() {
  if (rank_ == 0 && !released_) {
    int header[3] = {kStop, 0, 0};
    MPI_Bcast(header, 3, MPI_INT, 0, MPI_COMM_WORLD);
  }
  MPI_Finalize();
}

BatchCost Cluster::batch(int channel, std::function<Cost(const Genome&)> local_cost, unsigned jobs) {
  return [this, channel, cost = std::move(local_cost), jobs](const std::vector<Genome>& batch) {
    int header[3] = {channel, static_cast<int>(batch.size()), batch.empty() ? 0 : static_cast<int>(batch[0].size())};
    check(MPI_Bcast(header, 3, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
    return exchange(rank_, size_, channel, batch, cost, jobs);
  };
}

void Cluster::serve(const std::vector<std::function<Cost(const Genome&)>>& costs, unsigned jobs) {
  for (;;) {
    int header[3] = {0, 0, 0};
    check(MPI_Bcast(header, 3, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
    if (header[0] == kStop) break;
    if (header[0] < 0 || static_cast<std::size_t>(header[0]) >= costs.size())
      throw DistributedError(fmt::format("unknown cost channel {} from rank 0", header[0]));
    std::vector<Genome> batch(static_cast<std::size_t>(header[1]), Genome(static_cast<std::size_t>(header[2])));
    exchange(rank_, size_, header[0], std::move(batch), costs[static_cast<std::size_t>(header[0])], jobs);
  }
  released_ = true;
}

#endif

}  // namespace coda::nas
