package dev.kiln;

import dev.kiln.spi.Backend;
import dev.kiln.spi.TensorData;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the backend of a device on the class or module path, and moves values between devices
 * through the backends' memory methods: the one place the core crosses from one device to another.
 */
final class Backends {
    private static final Map<String, Backend> BY_TYPE = new ConcurrentHashMap<>();

    private Backends() {
    }

    static Backend of(Device device) {
        Backend b = BY_TYPE.get(device.type());
        if (b != null) {
            return b;
        }
        for (Backend candidate : ServiceLoader.load(Backend.class, Backends.class.getClassLoader())) {
            BY_TYPE.putIfAbsent(candidate.deviceType(), candidate);
        }
        b = BY_TYPE.get(device.type());
        if (b == null) {
            String artifact = device.type().equals("cuda") ? "dev.kiln:kiln-runtime-cuda" : "dev.kiln:kiln-runtime-cpu";
            throw new KilnException("no Kiln backend for device " + device + " on the class path; add the artifact "
                    + artifact);
        }
        return b;
    }

    /** Whether {@code device}'s backend is on the class path and counts the device among its own. */
    static boolean available(Device device) {
        if (device.equals(Device.CPU)) {
            return true;
        }
        try {
            return device.index() < of(device).deviceCount();
        } catch (KilnException e) {
            return false;
        }
    }

    /** {@code value} readable here: itself when on the heap, else a host copy made by its backend. */
    static TensorData host(TensorData value) {
        return value.onHost() ? value : of(value.device()).toHost(value);
    }

    /** A fresh zero-filled value on {@code device}. */
    static TensorData allocate(Device device, Shape shape, DType dtype) {
        return device.equals(Device.CPU) ? TensorData.allocate(shape, dtype) : of(device).allocate(device, shape, dtype);
    }

    /** A contiguous copy of {@code value} on {@code target} (through the host when both are devices). */
    static TensorData transfer(TensorData value, Device target) {
        if (target.equals(Device.CPU)) {
            if (value.onHost()) {
                TensorData copy = TensorData.allocate(value.shape(), value.dtype());
                copy.copyFrom(value);
                return copy;
            }
            return of(value.device()).toHost(value);
        }
        return of(target).fromHost(target, host(value));
    }

    /** Copies {@code source} into {@code target} (same shape; dtype converted), whatever their devices. */
    static void copy(TensorData source, TensorData target) {
        Device to = target.device();
        if (to.equals(Device.CPU)) {
            target.copyFrom(host(source));
        } else {
            of(to).copy(source.device().equals(to) ? source : transfer(source, to), target);
        }
    }
}
