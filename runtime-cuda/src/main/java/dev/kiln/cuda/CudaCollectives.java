package dev.kiln.cuda;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.ir.Collective;
import dev.kiln.spi.DeviceCollectives;
import dev.kiln.spi.TensorData;
import java.lang.foreign.MemorySegment;

/**
 * Collectives between processes on CUDA tensors, through NCCL ({@link Nccl}): found by
 * {@code dev.kiln.distributed}'s process group, which opens one communicator per device. Every NCCL
 * call is made on the device's thread and queued on its stream, so a result is ordered after the
 * work that made its input, like any op on the device.
 */
public final class CudaCollectives implements DeviceCollectives {
    /** Made by {@link java.util.ServiceLoader}. */
    public CudaCollectives() {
    }

    @Override
    public String deviceType() {
        return "cuda";
    }

    @Override
    public String describe() {
        return "nccl";
    }

    @Override
    public byte[] uniqueId(Device device) {
        CudaDevice dev = CudaDevice.of(device);
        return dev.call(() -> Nccl.load().uniqueId());
    }

    @Override
    public Group open(Device device, byte[] id, int rank, int size) {
        CudaDevice dev = CudaDevice.of(device);
        return dev.call(() -> {
            Nccl nccl = Nccl.load();
            return new Member(dev, nccl, nccl.commInitRank(size, id, rank), rank, size);
        });
    }

    /** One rank's NCCL communicator on one device. */
    private static final class Member implements Group {
        private final CudaDevice dev;
        private final Nccl nccl;
        private final int rank;
        private final int size;
        private final String text;
        private MemorySegment comm;

        Member(CudaDevice dev, Nccl nccl, MemorySegment comm, int rank, int size) {
            this.dev = dev;
            this.nccl = nccl;
            this.comm = comm;
            this.rank = rank;
            this.size = size;
            this.text = "nccl " + Nccl.versionText(nccl.version()) + " on " + dev.device;
        }

        @Override
        public String describe() {
            return text;
        }

        @Override
        public TensorData allReduce(TensorData in, Collective.Kind kind) {
            return dev.call(() -> {
                TensorData src = dense(in);
                TensorData out = Memory.allocateOnThread(dev, in.shape(), in.dtype());
                long n = in.shape().numelLong();
                if (n > 0) {
                    nccl.allReduce(Memory.address(dev, src), Memory.address(dev, out), n, type(in.dtype()), op(kind), open(), dev.stream());
                }
                return out;
            });
        }

        @Override
        public TensorData broadcast(TensorData in, int root) {
            return dev.call(() -> {
                TensorData src = dense(in);
                TensorData out = Memory.allocateOnThread(dev, in.shape(), in.dtype());
                long n = in.shape().numelLong();
                if (n > 0) {
                    nccl.broadcast(Memory.address(dev, src), Memory.address(dev, out), n, type(in.dtype()), root, open(), dev.stream());
                }
                return out;
            });
        }

        @Override
        public TensorData allGather(TensorData in) {
            return dev.call(() -> {
                TensorData src = dense(in);
                int[] dims = new int[in.shape().rank() + 1];
                dims[0] = size;
                System.arraycopy(in.shape().toArray(), 0, dims, 1, in.shape().rank());
                TensorData out = Memory.allocateOnThread(dev, Shape.of(dims), in.dtype());
                long n = in.shape().numelLong();
                if (n > 0) {
                    nccl.allGather(Memory.address(dev, src), Memory.address(dev, out), n, type(in.dtype()), open(), dev.stream());
                }
                return out;
            });
        }

        @Override
        public void close() {
            dev.run(() -> {
                if (comm != null) {
                    nccl.commDestroy(comm);
                    comm = null;
                }
            });
        }

        /** The communicator (on the device thread); a closed member fails. */
        private MemorySegment open() {
            if (comm == null) {
                throw new KilnException("the NCCL communicator of rank " + rank + " on " + dev.device + " is closed");
            }
            return comm;
        }

        /** {@code t} on this device, dense (copied when its layout is not). */
        private TensorData dense(TensorData t) {
            Memory.storage(dev, t);
            if (t.layout().isContiguous()) {
                return t;
            }
            TensorData d = Memory.allocateOnThread(dev, t.shape(), t.dtype());
            Memory.copyOnThread(dev, t, d);
            return d;
        }
    }

    private static int type(DType t) {
        return switch (t) {
            case FLOAT32 -> Nccl.FLOAT32;
            case FLOAT64 -> Nccl.FLOAT64;
            case INT64 -> Nccl.INT64;
            case INT32 -> Nccl.INT32;
            case BOOL -> throw new KilnException("NCCL collectives take float32, float64, int64 or int32 tensors, not bool");
        };
    }

    private static int op(Collective.Kind kind) {
        return switch (kind) {
            case SUM -> Nccl.SUM;
            case MEAN -> Nccl.AVG;
            case MAX -> Nccl.MAX;
        };
    }
}
