package dev.kiln.distributed;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.KilnException;
import dev.kiln.internal.Tensors;
import dev.kiln.spi.DeviceCollectives;
import dev.kiln.spi.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * A process group's collectives on device tensors: the providers found on the class or module path
 * (NCCL for {@code cuda}), and this rank's member of each device's group, opened by the first
 * collective on that device. Used under the {@link ProcessGroup}'s lock.
 */
final class DeviceGroups {
    /** Collectives on device tensors by device type, from the providers on the class or module path. */
    private static final Map<String, DeviceCollectives> PROVIDERS = providers();

    private final Transport transport;
    private final Map<Device, DeviceCollectives.Group> groups = new LinkedHashMap<>();

    DeviceGroups(Transport transport) {
        this.transport = transport;
    }

    private static Map<String, DeviceCollectives> providers() {
        Map<String, DeviceCollectives> m = new HashMap<>();
        for (DeviceCollectives c : ServiceLoader.load(DeviceCollectives.class, DeviceGroups.class.getClassLoader())) {
            m.putIfAbsent(c.deviceType(), c);
        }
        return m;
    }

    /** {@code d} on the host (itself when it is there). */
    static TensorData toHost(TensorData d) {
        return d.onHost() ? d : Tensors.data(Tensors.wrap(d).to(Device.CPU));
    }

    /** The host value {@code h} moved to {@code device} (itself when that is the host). */
    static TensorData toDevice(TensorData h, Device device) {
        return device.equals(Device.CPU) ? h : Tensors.data(Tensors.wrap(h).to(device));
    }

    /** What {@link ProcessGroup#backend()} adds: the open groups, or else the providers there are. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        for (DeviceCollectives.Group g : groups.values()) {
            sb.append(" + ").append(g.describe());
        }
        if (groups.isEmpty()) {
            for (DeviceCollectives c : PROVIDERS.values()) {
                sb.append(" + ").append(c.describe()).append(" for ").append(c.deviceType()).append(" tensors");
            }
        }
        return sb.toString();
    }

    /**
     * This rank's member of the group of {@code d}'s device, opened on first use; null for a host value
     * or a device type without collectives (then the value is staged through the host).
     */
    DeviceCollectives.Group of(TensorData d) {
        DeviceCollectives c = d.onHost() ? null : PROVIDERS.get(d.device().type());
        if (c == null) {
            return null;
        }
        DeviceCollectives.Group g = groups.get(d.device());
        if (g == null) {
            g = open(c, d.device());
            groups.put(d.device(), g);
        }
        return g;
    }

    /**
     * Opens {@code device}'s member of a new group: rank 0 makes the id and broadcasts its length (-1
     * when it could not make one, so the others fail at once rather than at the timeout) and bytes.
     */
    private DeviceCollectives.Group open(DeviceCollectives c, Device device) {
        String what = "opening the " + c.describe() + " group on " + device;
        byte[] id = null;
        KilnException failed = null;
        if (transport.rank() == 0) {
            try {
                id = c.uniqueId(device);
            } catch (KilnException e) {
                failed = e;
            }
        }
        if (transport.size() > 1) {
            MemorySegment length = Arena.ofAuto().allocate(8, 8);
            length.set(ValueLayout.JAVA_LONG, 0, id == null ? -1 : id.length);
            transport.broadcast(length, 1, DType.INT64, 0, what + " (its id's length)");
            long n = length.get(ValueLayout.JAVA_LONG, 0);
            if (n < 0 && failed == null) {
                throw new KilnException(what + ": rank 0 could not make the group's id (its error says why)");
            }
            if (n >= 0) {
                MemorySegment buf = Arena.ofAuto().allocate(Math.max(8, (n + 7) & ~7L), 8);
                if (id != null) {
                    MemorySegment.copy(id, 0, buf, ValueLayout.JAVA_BYTE, 0, id.length);
                }
                transport.broadcast(buf, buf.byteSize() / 8, DType.INT64, 0, what + " (its id)");
                id = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            }
        }
        if (failed != null) {
            throw failed;
        }
        return c.open(device, id, transport.rank(), transport.size());
    }
}
