package dev.kiln.codegen.cuda;

/**
 * Launch geometry, a function of the problem size only (never of the device), so a reduction
 * combines its partials in the same order on every GPU: blocks of {@link #BLOCK} threads, one
 * block per {@link #PER_BLOCK} positions, at most {@link #MAX_BLOCKS} blocks in a grid-stride loop.
 */
final class Geometry {
    static final int BLOCK = 256;
    static final int PER_BLOCK = 1024;
    static final int MAX_BLOCKS = 1024;
    /** Reduced extents below this are summed by one thread per output, sequentially (the interpreter's order). */
    static final int BLOCK_PER_OUTPUT_FROM = 64;

    private Geometry() {
    }

    /** Blocks for a grid-stride loop over {@code n} positions. */
    static int blocks(long n) {
        return (int) Math.max(1, Math.min(MAX_BLOCKS, (n + PER_BLOCK - 1) / PER_BLOCK));
    }

    /** Blocks for {@code outputs} outputs, one block each (grid-stride beyond the limit). */
    static int blockPerOutput(long outputs) {
        return (int) Math.max(1, Math.min(MAX_BLOCKS, outputs));
    }

    static int[] grid(int x) {
        return new int[] {x, 1, 1};
    }

    static int[] block() {
        return new int[] {BLOCK, 1, 1};
    }

    static final int[] ONE = {1, 1, 1};
}
