package dev.kiln;

import dev.kiln.spi.Backend;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/** Finds the backend of a device on the class or module path. */
final class Backends {
    static Backend cpu() {
        return of(Device.CPU);
    }

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
}
