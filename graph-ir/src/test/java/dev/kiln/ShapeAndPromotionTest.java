package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.ir.Promotion;
import org.junit.jupiter.api.Test;

class ShapeAndPromotionTest {
    @Test
    void shapesAreValues() {
        assertEquals(Shape.of(2, 3), Shape.of(2, 3));
        assertEquals(Shape.of(2, 3).hashCode(), Shape.of(2, 3).hashCode());
        assertNotEquals(Shape.scalar(), Shape.of(1));
        assertEquals(1, Shape.scalar().numel());
        assertEquals(0, Shape.of(3, 0).numel());
        assertEquals("[2000, 1]", Shape.of(2000, 1).toString());
        assertEquals(2, Shape.of(4, 5, 6).normalizeAxis(-1));
        assertThrows(KilnException.class, () -> Shape.of(4).normalizeAxis(1));
        assertThrows(KilnException.class, () -> Shape.of(-1));
    }

    @Test
    void numpyBroadcasting() {
        assertEquals(Shape.of(2000, 3), Shape.broadcast(Shape.of(2000, 1), Shape.of(3)));
        assertEquals(Shape.of(2, 3, 4), Shape.broadcast(Shape.of(3, 1), Shape.of(2, 1, 4)));
        assertEquals(Shape.of(5), Shape.broadcast(Shape.scalar(), Shape.of(5)));
        assertEquals(Shape.of(1), Shape.broadcast(Shape.scalar(), Shape.of(1)));
        assertEquals(Shape.of(0, 3), Shape.broadcast(Shape.of(0, 1), Shape.of(3)));
        assertNull(Shape.broadcast(Shape.of(2000, 1), Shape.of(3, 2)));
        assertNull(Shape.broadcast(Shape.of(3), Shape.of(4)));
    }

    @Test
    void javaScalarsAreWeak() {
        assertEquals(DType.FLOAT32, Promotion.withScalar(DType.FLOAT32, true)); // 2.0 * t stays float32
        assertEquals(DType.FLOAT64, Promotion.withScalar(DType.FLOAT64, true));
        assertEquals(DType.FLOAT32, Promotion.withScalar(DType.INT64, true)); // int tensor * 2.5 -> default float
        assertEquals(DType.INT32, Promotion.withScalar(DType.INT32, false)); // int32 tensor + 1 stays int32
        assertEquals(DType.INT64, Promotion.withScalar(DType.BOOL, false));
    }

    @Test
    void tensorsPromoteByCategoryThenWidth() {
        assertEquals(DType.FLOAT64, Promotion.of(DType.FLOAT32, false, DType.FLOAT64, false));
        assertEquals(DType.FLOAT32, Promotion.of(DType.INT64, false, DType.FLOAT32, false)); // the seed's pow(p)
        assertEquals(DType.INT64, Promotion.of(DType.INT32, false, DType.INT64, false));
        assertEquals(DType.INT32, Promotion.of(DType.BOOL, false, DType.INT32, false));
    }

    @Test
    void zeroDimTensorsDecideOnlyAcrossCategories() {
        assertEquals(DType.FLOAT32, Promotion.of(DType.FLOAT32, false, DType.FLOAT64, true));
        assertEquals(DType.FLOAT64, Promotion.of(DType.INT64, false, DType.FLOAT64, true));
        assertEquals(DType.INT32, Promotion.of(DType.INT32, false, DType.INT64, true));
        assertEquals(DType.FLOAT64, Promotion.of(DType.FLOAT32, true, DType.FLOAT64, true));
    }
}
