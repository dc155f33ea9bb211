// MPI launch detection: a plain process never initialises MPI.
#include "nas/distributed.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace coda::nas {
namespace {

TEST(Distributed, OnlyAnMpiLauncherWithSeveralRanksCounts) {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"}) unsetenv(var);
  EXPECT_FALSE(launched_by_mpirun());
  EXPECT_EQ(Cluster::join(), nullptr);  // no MPI_Init
  setenv("OMPI_COMM_WORLD_SIZE", "1", 1);
  EXPECT_FALSE(launched_by_mpirun());  // a single rank is a plain run
  setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  EXPECT_TRUE(launched_by_mpirun());
  unsetenv("OMPI_COMM_WORLD_SIZE");
  setenv("PMI_SIZE", "4", 1);
  EXPECT_TRUE(launched_by_mpirun());
  unsetenv("PMI_SIZE");
}

}  // namespace
}  // namespace coda::nas
