package dev.kiln.tests.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.distributed.DistributedDataParallel;
import dev.kiln.distributed.DistributedSampler;
import dev.kiln.distributed.ProcessGroup;
import dev.kiln.distributed.ReduceOp;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Sequential;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Without an MPI launcher the world is a group of one: the same programs run alone, and collectives are the identity. */
class SingleProcessGroupTest {
    @Test
    void aProcessAloneIsAGroupOfOne() {
        ProcessGroup g = ProcessGroup.world();
        assertEquals(0, g.rank());
        assertEquals(1, g.size());
        assertTrue(g.backend().contains("single process"), g.backend());
        Tensor x = Tensor.of(1.5, -2.0);
        g.allReduce(x, ReduceOp.SUM);
        assertArrayEquals(new double[] {1.5, -2.0}, x.toDoubleArray());
        assertEquals(2, g.allGather(Tensor.ones(3, 2)).dim() - 1);
        g.broadcast(x, 0);
        g.barrier();
        KilnException e = assertThrows(KilnException.class, () -> g.broadcast(x, 1));
        assertTrue(e.getMessage().contains("root 1"), e.getMessage());
        KilnException bool = assertThrows(KilnException.class, () -> g.allReduce(Tensor.ones(2).gt(0), ReduceOp.SUM));
        assertTrue(bool.getMessage().contains("bool"), bool.getMessage());
    }

    @Test
    void ddpTrainsAloneEagerAndCompiledToTheSameParameters() {
        double[] eager = DistributedWorker.train(ProcessGroup.world(), "adam", false, DType.FLOAT64);
        double[] compiled = DistributedWorker.train(ProcessGroup.world(), "adam", true, DType.FLOAT64);
        assertArrayEquals(eager, compiled, 1e-12);
    }

    @Test
    void aCompiledDdpStepAveragesEachBucketInItsPlan() {
        Sequential model = new Sequential(new Linear(4, 8, DType.FLOAT64), new Linear(8, 2, DType.FLOAT64));
        DistributedDataParallel ddp = new DistributedDataParallel(model, ProcessGroup.world(), 0.0001);
        assertEquals(4, ddp.bucketSizes().size(), "100-byte buckets: one parameter each: " + ddp.bucketSizes());
        var step = Kiln.compile(in -> {
            model.zeroGrad();
            Tensor l = ddp.forward(in[0]).pow(2).sum();
            l.backward();
            return l;
        });
        step.call(Tensor.randn(3, 4).to(DType.FLOAT64));
        String plan = Kiln.explain(step);
        assertEquals(4, plan.lines().filter(l -> l.startsWith("interpreted allReduce")).count(), plan);
    }

    @Test
    void anUnusedParameterFailsTheNextForwardByName() {
        Linear used = new Linear(3, 2, DType.FLOAT64);
        Sequential model = new Sequential(used);
        Linear unused = new Linear(2, 2, DType.FLOAT64);
        model.registerParameter("spare", unused.parameters().getFirst());
        DistributedDataParallel ddp = new DistributedDataParallel(model);
        ddp.forward(Tensor.ones(1, 3).to(DType.FLOAT64)).sum().backward();
        KilnException e = assertThrows(KilnException.class, () -> ddp.forward(Tensor.ones(1, 3).to(DType.FLOAT64)));
        assertTrue(e.getMessage().contains("spare"), e.getMessage());
    }

    @Test
    void theSamplerShardsAreDisjointAndCover() {
        for (int ranks : new int[] {1, 2, 3, 4}) {
            int[] count = new int[10];
            for (int r = 0; r < ranks; r++) {
                DistributedSampler s = new DistributedSampler(10, ranks, r, true, 3, false);
                assertEquals((10 + ranks - 1) / ranks, s.size());
                int[] idx = s.nextEpoch();
                assertEquals(s.size(), idx.length);
                for (int i : idx) {
                    count[i]++;
                }
            }
            int padded = (10 + ranks - 1) / ranks * ranks - 10;
            assertEquals(10 + padded, Arrays.stream(count).sum(), "every rank the same count");
            assertTrue(Arrays.stream(count).allMatch(c -> c >= 1), "covering at " + ranks + " ranks: " + Arrays.toString(count));
        }
        DistributedSampler a = new DistributedSampler(10, 2, 0, true, 3, true);
        DistributedSampler b = new DistributedSampler(10, 2, 1, true, 3, true);
        int[] x = a.nextEpoch();
        int[] y = b.nextEpoch();
        assertTrue(Arrays.stream(x).noneMatch(i -> Arrays.stream(y).anyMatch(j -> j == i)), "disjoint");
        assertTrue(!Arrays.equals(x, a.nextEpoch()), "another order next epoch");
        a.setEpoch(0);
        assertArrayEquals(x, a.nextEpoch(), "setEpoch replays an epoch");
    }
}
