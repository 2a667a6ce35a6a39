package dev.kiln.spi;

import dev.kiln.Device;
import dev.kiln.ir.Collective;

/**
 * Collectives between processes on a kind of device, run where the tensors are (NCCL for CUDA),
 * found with {@link java.util.ServiceLoader} by {@code dev.kiln.distributed}'s process group. Rank 0
 * makes a group's id, the caller gives it to every rank (over MPI), and each rank opens its member.
 */
public interface DeviceCollectives {
    /**
     * The device type whose tensors these collectives take, as {@link Device#type()}.
     *
     * @return the type, such as {@code "cuda"}
     */
    String deviceType();

    /**
     * The library's name, for descriptions of a process group (without loading it).
     *
     * @return the name, such as {@code "nccl"}
     */
    String describe();

    /**
     * A fresh group id, made on rank 0 and sent to every rank before {@link #open}.
     *
     * @param device the device rank 0 will use
     * @return the id's bytes
     * @throws dev.kiln.KilnException if the library is missing or fails
     */
    byte[] uniqueId(Device device);

    /**
     * This process's member of the group named by {@code id}; every rank of the group must call it.
     *
     * @param device the device this rank's tensors are on
     * @param id the id rank 0 made
     * @param rank this process's rank, in {@code [0, size)}
     * @param size the number of processes
     * @return the open member
     * @throws dev.kiln.KilnException if the library is missing or refuses the group
     */
    Group open(Device device, byte[] id, int rank, int size);

    /**
     * One process's member of a group of devices. Every rank makes the same calls in the same order
     * on tensors of one shape and dtype; results are fresh dense values on the device, ordered after
     * the device's earlier work.
     */
    interface Group extends AutoCloseable {
        /**
         * The elementwise sum, mean or maximum of all ranks' {@code in}.
         *
         * @param in this rank's values, on the group's device
         * @param kind how to combine them
         * @return a fresh value of {@code in}'s shape and dtype
         */
        TensorData allReduce(TensorData in, Collective.Kind kind);

        /**
         * Rank {@code root}'s {@code in}, on every rank.
         *
         * @param in the values sent (on {@code root}); on other ranks only its shape and dtype count
         * @param root the sending rank
         * @return a fresh value of {@code in}'s shape and dtype
         */
        TensorData broadcast(TensorData in, int root);

        /**
         * All ranks' {@code in} stacked along a new first dimension, in rank order.
         *
         * @param in this rank's values
         * @return a fresh value of shape {@code [size, ...in's shape]}
         */
        TensorData allGather(TensorData in);

        /**
         * What carries the group, for {@code ProcessGroup.backend()}.
         *
         * @return the library, its version and the device, such as {@code "nccl 2.21.5 on cuda:0"}
         */
        String describe();

        /** Frees the member (the library's communicator); later calls fail. */
        @Override
        void close();
    }
}
