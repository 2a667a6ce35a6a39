package dev.kiln.data;

import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Zalando's Fashion-MNIST (60,000 training and 10,000 test images of clothing, 28×28 grey levels, ten
 * classes), as torchvision's {@code FashionMNIST(root, train)} with {@code ToTensor()}: sample {@code i} is
 * its image, float32 {@code [1, 28, 28]} in [0, 1], and its label, an int64 scalar. The IDX files are read
 * from {@code root} (plain or gzip-compressed, as {@link Idx} reads them), by default from
 * {@value #DEFAULT_ROOT}, where Debian's package {@value #DEBIAN_PACKAGE} installs them.
 * A {@link DataLoader} batches it by copying rows, as it does a {@link TensorDataset}.
 */
public final class FashionMNIST implements Dataset {
    /** Where Debian's {@value #DEBIAN_PACKAGE} installs the files. */
    public static final String DEFAULT_ROOT = "/usr/share/datasets/fashion-mnist";
    /** The Debian package that holds the data set (MIT licence). */
    public static final String DEBIAN_PACKAGE = "dataset-fashion-mnist";
    /** The mean of the training images' pixels in [0, 1] (0.28604...), for {@link #normalize}. */
    public static final double MEAN = 0.2860;
    /** The standard deviation of the training images' pixels in [0, 1] (0.35302...), for {@link #normalize}. */
    public static final double STD = 0.3530;
    /** The class names by label, as torchvision's {@code FashionMNIST.classes}. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Ankle boot");

    private final TensorDataset rows;

    /**
     * The training set ({@code train}) or the test set, from {@value #DEFAULT_ROOT}.
     *
     * @param train true for the 60,000 training images, false for the 10,000 test images
     * @throws KilnException if the files are missing or not valid IDX files
     */
    public FashionMNIST(boolean train) {
        this(Path.of(DEFAULT_ROOT), train);
    }

    /**
     * The training set ({@code train}) or the test set, from the IDX files in {@code root}.
     *
     * @param root the folder holding {@code train-images-idx3-ubyte} and the others (each plain or {@code .gz})
     * @param train true for the training set, false for the test set
     * @throws KilnException if {@code root} is null, a file is missing or invalid, or the counts of images
     *     and labels differ
     */
    public FashionMNIST(Path root, boolean train) {
        if (root == null) {
            throw new KilnException("FashionMNIST: the root folder must not be null");
        }
        String prefix = train ? "train" : "t10k";
        Path imageFile = find(root, prefix + "-images-idx3-ubyte");
        Path labelFile = find(root, prefix + "-labels-idx1-ubyte");
        Tensor images = Idx.readImages(imageFile);
        Tensor labels = Idx.readLabels(labelFile);
        if (images.size(0) != labels.size(0)) {
            throw new KilnException("FashionMNIST: " + imageFile + " holds " + images.size(0) + " images but " + labelFile
                    + " holds " + labels.size(0) + " labels; the two files must pair up one to one");
        }
        this.rows = new TensorDataset(images.unsqueeze(1), labels);
    }

    private FashionMNIST(TensorDataset rows) {
        this.rows = rows;
    }

    /**
     * The same samples with each image normalized as torchvision's {@code Normalize((mean,), (std,))}:
     * {@code (x − mean) / std} in float32 ({@link #MEAN} and {@link #STD} are the training set's own).
     *
     * @param mean the mean subtracted
     * @param std the standard deviation divided by (greater than 0)
     * @return a new dataset with the normalized images and the same labels
     * @throws KilnException if {@code std} is not positive
     */
    public FashionMNIST normalize(double mean, double std) {
        if (!(std > 0)) {
            throw new KilnException("FashionMNIST.normalize: std must be positive, got " + std);
        }
        try (var noGrad = Kiln.noGrad()) {
            return new FashionMNIST(new TensorDataset(images().sub(mean).div(std), targets()));
        }
    }

    /**
     * All images.
     *
     * @return float32 {@code [N, 1, 28, 28]}
     */
    public Tensor images() {
        return rows.tensors().get(0);
    }

    /**
     * All labels (torchvision's {@code targets}).
     *
     * @return int64 {@code [N]}, each in 0..9
     */
    public Tensor targets() {
        return rows.tensors().get(1);
    }

    @Override
    public int size() {
        return rows.size();
    }

    /** Sample {@code index}: its image {@code [1, 28, 28]} and its label. */
    @Override
    public List<Tensor> get(int index) {
        if (index < 0 || index >= size()) {
            throw new KilnException("FashionMNIST: index " + index + " is outside the " + size() + " samples");
        }
        return rows.get(index);
    }

    /** The rows a {@link DataLoader} copies its batches from. */
    TensorDataset rows() {
        return rows;
    }

    /** {@code root/name}, or else {@code root/name.gz}; a clear error naming the package if neither is there. */
    private static Path find(Path root, String name) {
        Path plain = root.resolve(name);
        Path gz = root.resolve(name + ".gz");
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        throw new KilnException("FashionMNIST: neither " + gz + " nor " + plain + " exists. "
                + (root.equals(Path.of(DEFAULT_ROOT))
                        ? "Install Debian's package " + DEBIAN_PACKAGE + ": apt-get install --no-install-recommends " + DEBIAN_PACKAGE
                                + " (with sudo if not root), or pass the folder that holds the IDX files"
                        : "Pass the folder that holds the IDX files (Debian's package " + DEBIAN_PACKAGE + " installs them in "
                                + DEFAULT_ROOT + ")"));
    }
}
