package dev.kiln.tests.offheap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.internal.Tensors;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.Adam;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The second device on its own terms (the suites also run on it whole, in the {@code offheap-device}
 * execution): its tensors hold no Java array, values move between devices through the backends,
 * models and optimizer state move with {@code to(device)}, and plans are cached per device.
 */
class OffHeapDeviceTest {
    private static final Device OFF = OffHeapBackend.DEVICE;

    @Test
    void aTensorOnTheDeviceHoldsNoHeapArrayAndHeapAccessFailsLoudly() {
        Tensor t = Tensor.of(1.0, 2.0, 3.0).to(OFF);
        assertEquals(OFF, t.device());
        assertInstanceOf(OffHeapStorage.class, Tensors.data(t).storage());
        AssertionError e = assertThrows(AssertionError.class, () -> Tensors.data(t).storage().array());
        assertTrue(e.getMessage().contains("CPU-array shortcut"), e.getMessage());
        assertThrows(AssertionError.class, () -> Tensors.data(t).getDouble(0));
        // reading goes through the backend's host copy
        assertArrayEquals(new float[] {1, 2, 3}, t.toFloatArray());
        assertEquals(2.0, t.get(1).item());
    }

    @Test
    void valuesRoundTripExactlyThroughTheDevice() {
        long big = (1L << 60) + 1; // not a double
        Tensor ints = Tensor.of(big, -7L).to(OFF);
        assertArrayEquals(new long[] {big, -7L}, ints.to(Device.CPU).toLongArray());
        Tensor x = Tensor.randn(3, 4).to(DType.FLOAT64);
        Tensor back = x.to(OFF).transpose(0, 1).to(Device.CPU);
        assertArrayEquals(x.transpose(0, 1).contiguous().toDoubleArray(), back.toDoubleArray());
        assertEquals(Device.CPU, back.device());
    }

    @Test
    void javaScalarsAndZeroDimCpuTensorsJoinDeviceTensors() {
        Tensor t = Tensor.of(1.0, 2.0).to(OFF);
        Tensor scaled = t.mul(Tensor.scalar(3.0).to(Device.CPU)).add(1.0);
        assertEquals(OFF, scaled.device());
        assertArrayEquals(new float[] {4, 7}, scaled.toFloatArray());
        // copy_ crosses devices, as PyTorch's does
        t.copy_(Tensor.of(5.0, 6.0).to(Device.CPU));
        assertArrayEquals(new float[] {5, 6}, t.toFloatArray());
        KilnException e = assertThrows(KilnException.class, () -> t.add(Tensor.of(1.0, 1.0).to(Device.CPU)));
        assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("offheap:0"), e.getMessage());
    }

    /** Trains a small model for a few steps, eagerly or compiled, on {@code device}; returns its parameters on the CPU. */
    private static List<double[]> train(Device device, boolean compiled) {
        Kiln.manualSeed(11);
        Sequential m = new Sequential(new Linear(3, 5), new Tanh(), new Linear(5, 1));
        m.to(DType.FLOAT64).to(device);
        Adam opt = new Adam(m.parameters(), Adam.Options.lr(0.05));
        Tensor x = Tensor.randn(8, 3).to(DType.FLOAT64).to(device);
        Tensor y = Tensor.randn(8, 1).to(DType.FLOAT64).to(device);
        dev.kiln.Step step = in -> {
            opt.zeroGrad();
            Tensor loss = new MSELoss().forward(m.forward(in[0]), in[1]);
            loss.backward();
            opt.step();
            return loss;
        };
        CompiledFunction f = Kiln.compile(step);
        for (int i = 0; i < 5; i++) {
            Tensor loss = compiled ? f.call(x, y) : step.apply(x, y);
            assertEquals(device, loss.device());
        }
        for (Tensor p : m.parameters()) {
            assertEquals(device, p.device());
            assertEquals(device, opt.stateDict().state().values().iterator().next().get("exp_avg").device());
        }
        return m.parameters().stream().map(p -> p.to(Device.CPU).toDoubleArray()).toList();
    }

    @Test
    void aModelTrainsOnTheDeviceAsOnTheCpuBitForBitEagerAndCompiled() {
        for (boolean compiled : new boolean[] {false, true}) {
            List<double[]> cpu = train(Device.CPU, compiled);
            List<double[]> off = train(OFF, compiled);
            for (int i = 0; i < cpu.size(); i++) {
                assertArrayEquals(cpu.get(i), off.get(i), "parameter " + i + (compiled ? " compiled" : " eager"));
            }
        }
    }

    @Test
    void optimizerStateFollowsItsParametersToTheDevice() {
        Kiln.manualSeed(3);
        Linear l = new Linear(2, 2);
        Adam opt = new Adam(l.parameters(), Adam.Options.lr(0.1));
        Tensor x = Tensor.ones(4, 2);
        l.forward(x).sum().backward();
        opt.step(); // state made on the CPU
        l.to(OFF);
        opt.zeroGrad();
        l.forward(x.to(OFF)).sum().backward();
        opt.step();
        opt.stateDict().state().values().forEach(s -> assertEquals(OFF, s.get("exp_avg_sq").device()));
        assertEquals(OFF, l.weight.device());
    }

    @Test
    void plansAreCachedPerDevice() {
        for (CompiledFunction.Mode mode : CompiledFunction.Mode.values()) {
            CompiledFunction f = Kiln.compile(in -> in[0].mul(2.0).sum(), mode);
            Tensor x = Tensor.of(1.0, 2.0);
            assertEquals(6.0, f.call(x).item());
            assertEquals(6.0, f.call(x.to(OFF)).item());
            assertEquals(OFF, f.call(x.to(OFF)).device());
            assertEquals(2, f.compilations(), mode.toString());
            assertEquals(Device.CPU, f.call(x).device());
            assertEquals(2, f.compilations(), mode.toString());
        }
    }

    @Test
    void aModelMovedAfterTracingTracesAgain() {
        Linear l = new Linear(2, 1);
        CompiledFunction f = Kiln.compile(in -> l.forward(in[0]).sum());
        Tensor x = Tensor.ones(3, 2);
        double before = f.call(x).item();
        l.to(OFF);
        KilnException mixed = assertThrows(KilnException.class, () -> f.call(x));
        assertTrue(mixed.getMessage().contains("offheap:0") && mixed.getMessage().contains("cpu"), mixed.getMessage());
        assertEquals(before, f.call(x.to(OFF)).item());
        assertTrue(f.explainLastMiss().contains("offheap:0"), f.explainLastMiss());
        // the same arguments, but a tensor the function closes over has moved: its guard sends it to trace again
        CompiledFunction g = Kiln.compile(in -> l.weight.sum().add(in[0]));
        Tensor s = Tensor.scalar(1.0).to(Device.CPU);
        assertEquals(OFF, g.call(s).device());
        l.to(Device.CPU);
        assertEquals(Device.CPU, g.call(s).device());
        assertEquals(2, g.compilations());
        assertTrue(g.explainLastMiss().contains("device"), g.explainLastMiss());
    }

    @Test
    void aTracedTensorCannotChangeDevice() {
        CompiledFunction f = Kiln.compile(in -> in[0].to(OFF).sum());
        KilnException e = assertThrows(KilnException.class, () -> f.call(Tensor.ones(2)));
        assertTrue(e.getMessage().contains("cannot change device"), e.getMessage());
    }
}
