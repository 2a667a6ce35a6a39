package dev.kiln.onnx;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import onnx.Onnx.TensorProto;

/** ONNX tensors and Kiln values, both ways. */
final class Protos {
    private Protos() {}

    /** The Kiln dtype of an ONNX {@code TensorProto.DataType}, or an error naming {@code what}. */
    static DType dtype(int dataType, String what) {
        return switch (dataType) {
            case TensorProto.DataType.FLOAT_VALUE -> DType.FLOAT32;
            case TensorProto.DataType.DOUBLE_VALUE -> DType.FLOAT64;
            case TensorProto.DataType.INT64_VALUE -> DType.INT64;
            case TensorProto.DataType.INT32_VALUE -> DType.INT32;
            case TensorProto.DataType.BOOL_VALUE -> DType.BOOL;
            default -> throw new KilnException(what + ": element type " + typeName(dataType)
                    + " is not supported (Kiln reads float, double, int64, int32 and bool)");
        };
    }

    /** The ONNX data type of a Kiln dtype. */
    static int dataType(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> TensorProto.DataType.FLOAT_VALUE;
            case FLOAT64 -> TensorProto.DataType.DOUBLE_VALUE;
            case INT64 -> TensorProto.DataType.INT64_VALUE;
            case INT32 -> TensorProto.DataType.INT32_VALUE;
            case BOOL -> TensorProto.DataType.BOOL_VALUE;
        };
    }

    static String typeName(int dataType) {
        TensorProto.DataType t = TensorProto.DataType.forNumber(dataType);
        return t == null ? "#" + dataType : t.name();
    }

    /** The values of an ONNX tensor (raw little-endian bytes or the typed fields); external data is an error. */
    static Folded read(TensorProto t, String what) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            String location = t.getExternalDataList().stream().filter(e -> e.getKey().equals("location"))
                    .map(e -> e.getValue()).findFirst().orElse("?");
            throw new KilnException(what + " '" + t.getName() + "' keeps its data in the external file '" + location
                    + "': external data is not supported; save the model with the weights inside the .onnx file "
                    + "(onnx.save_model(m, path, save_as_external_data=False))");
        }
        if (t.hasSegment()) {
            throw new KilnException(what + " '" + t.getName() + "' is segmented: not supported");
        }
        DType dtype = dtype(t.getDataType(), what + " '" + t.getName() + "'");
        Shape shape = Folded.checkedShape(t.getDimsList().stream().mapToLong(Long::longValue).toArray(), what + " '" + t.getName() + "'");
        int n = shape.numel();
        double[] v = new double[n];
        if (t.hasRawData()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            int width = switch (dtype) {
                case FLOAT32, INT32 -> 4;
                case FLOAT64, INT64 -> 8;
                case BOOL -> 1;
            };
            if (b.remaining() != (long) n * width) {
                throw new KilnException(what + " '" + t.getName() + "' of shape " + shape + " and type " + dtype
                        + " needs " + (long) n * width + " bytes of raw data, got " + b.remaining());
            }
            for (int i = 0; i < n; i++) {
                v[i] = switch (dtype) {
                    case FLOAT32 -> b.getFloat();
                    case INT32 -> b.getInt();
                    case FLOAT64 -> b.getDouble();
                    case INT64 -> b.getLong();
                    case BOOL -> b.get() != 0 ? 1 : 0;
                };
            }
            return new Folded(dtype, shape, v);
        }
        int count = switch (dtype) {
            case FLOAT32 -> t.getFloatDataCount();
            case FLOAT64 -> t.getDoubleDataCount();
            case INT64 -> t.getInt64DataCount();
            case INT32, BOOL -> t.getInt32DataCount();
        };
        if (count != n) {
            throw new KilnException(what + " '" + t.getName() + "' of shape " + shape + " holds " + count + " values, expected " + n);
        }
        for (int i = 0; i < n; i++) {
            v[i] = switch (dtype) {
                case FLOAT32 -> t.getFloatData(i);
                case FLOAT64 -> t.getDoubleData(i);
                case INT64 -> t.getInt64Data(i);
                case INT32 -> t.getInt32Data(i);
                case BOOL -> t.getInt32Data(i) != 0 ? 1 : 0;
            };
        }
        return new Folded(dtype, shape, v);
    }

    /** An ONNX tensor named {@code name} holding {@code values} as raw little-endian bytes. */
    static TensorProto write(String name, DType dtype, Shape shape, double[] values) {
        int width = switch (dtype) {
            case FLOAT32, INT32 -> 4;
            case FLOAT64, INT64 -> 8;
            case BOOL -> 1;
        };
        ByteBuffer b = ByteBuffer.allocate(values.length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : values) {
            switch (dtype) {
                case FLOAT32 -> b.putFloat((float) x);
                case INT32 -> b.putInt((int) x);
                case FLOAT64 -> b.putDouble(x);
                case INT64 -> b.putLong((long) x);
                case BOOL -> b.put((byte) (x != 0 ? 1 : 0));
            }
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(dataType(dtype))
                .setRawData(com.google.protobuf.ByteString.copyFrom(b.array()));
        for (int d : shape.toArray()) {
            t.addDims(d);
        }
        return t.build();
    }
}
