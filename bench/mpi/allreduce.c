/*
 * The C baseline for Kiln's all-reduce: MPI_Allreduce (in place, float, sum) on Open MPI, timed the
 * same way as DistributedBenchmark (median of repetitions, 8 B to 64 MB). Declares the few MPI
 * symbols it uses itself, so it builds with gcc against libmpi.so.40 and no MPI headers
 * (openmpi-bin, without libopenmpi-dev). Open MPI's handles are addresses of data symbols.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ompi_object;
extern struct ompi_object ompi_mpi_comm_world, ompi_mpi_float, ompi_mpi_op_sum;
int MPI_Init(int *argc, char ***argv);
int MPI_Finalize(void);
int MPI_Comm_rank(void *comm, int *rank);
int MPI_Comm_size(void *comm, int *size);
int MPI_Allreduce(const void *send, void *recv, int count, void *type, void *op, void *comm);
int MPI_Barrier(void *comm);
double MPI_Wtime(void);

static int compare(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(&ompi_mpi_comm_world, &rank);
    MPI_Comm_size(&ompi_mpi_comm_world, &size);
    for (long bytes = 8; bytes <= 64L << 20; bytes *= 8) {
        long count = bytes / 4;
        float *buf = malloc(bytes);
        for (long i = 0; i < count; i++) buf[i] = 1.0f;
        int reps = bytes <= 4096 ? 2000 : bytes <= (1 << 20) ? 200 : 20;
        double *t = malloc(sizeof(double) * reps);
        for (int w = 0; w < reps / 10 + 1; w++) {
            MPI_Allreduce((void *) 1, buf, (int) count, &ompi_mpi_float, &ompi_mpi_op_sum, &ompi_mpi_comm_world);
        }
        for (int r = 0; r < reps; r++) {
            MPI_Barrier(&ompi_mpi_comm_world);
            double t0 = MPI_Wtime();
            MPI_Allreduce((void *) 1, buf, (int) count, &ompi_mpi_float, &ompi_mpi_op_sum, &ompi_mpi_comm_world);
            t[r] = MPI_Wtime() - t0;
        }
        qsort(t, reps, sizeof(double), compare);
        if (rank == 0) {
            printf("c %d %ld %.3f\n", size, bytes, t[reps / 2] * 1e6);
        }
        free(t);
        free(buf);
    }
    MPI_Finalize();
    return 0;
}
