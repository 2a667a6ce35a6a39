package dev.kiln.io.tensorboard;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * TFRecord framing, the container of TensorBoard's event files: each record is its length (8 bytes,
 * little-endian), the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data.
 */
final class TfRecord {
    private TfRecord() {
    }

    /** TensorFlow's masking of a CRC stored beside the data it covers: rotated right by 15, plus a constant. */
    static int maskedCrc(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + 0xa282ead8;
    }

    static void write(OutputStream out, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(data.length);
        b.putInt(maskedCrc(b.array(), 0, 8));
        b.put(data);
        b.putInt(maskedCrc(data, 0, data.length));
        out.write(b.array());
    }

    /** The next record's data, or null at a clean end; a torn or corrupt record is an {@link IOException} that says which. */
    static byte[] read(InputStream in, int index) throws IOException {
        byte[] header = new byte[12];
        int first = in.read(header, 0, 1);
        if (first < 0) {
            return null;
        }
        DataInputStream d = new DataInputStream(in);
        try {
            d.readFully(header, 1, 11);
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            long length = h.getLong();
            if (h.getInt() != maskedCrc(header, 0, 8)) {
                throw new IOException("record " + index + ": the length's CRC does not match (a corrupt file)");
            }
            if (length < 0 || length > Integer.MAX_VALUE - 8) {
                throw new IOException("record " + index + ": length " + length + " is out of range");
            }
            byte[] data = new byte[(int) length];
            d.readFully(data);
            int crc = Integer.reverseBytes(d.readInt());
            if (crc != maskedCrc(data, 0, data.length)) {
                throw new IOException("record " + index + ": the data's CRC does not match (a corrupt file)");
            }
            return data;
        } catch (EOFException e) {
            throw new IOException("record " + index + " is cut short (a torn write)", e);
        }
    }
}
