package dev.kiln.samples;

import dev.kiln.KilnException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Debian's {@value #DEBIAN_PACKAGE} text (BSD fortune's cookie files, about 2.5 MB of UTF-8 under
 * {@value #DEFAULT_ROOT}) as one string of characters and its character vocabulary, as nanoGPT's
 * {@code shakespeare_char/prepare.py} builds it: the vocabulary is the sorted distinct characters (Unicode
 * code points), a token is a character's index in it. The plain text files are read in name order; the
 * {@code .dat} indexes and the {@code .u8} links are skipped.
 */
public final class Fortunes {
    /** Where Debian's {@value #DEBIAN_PACKAGE} (and fortunes-min, which it depends on) put the cookie files. */
    public static final String DEFAULT_ROOT = "/usr/share/games/fortunes";
    /** The Debian package to install (BSD licence, see /usr/share/doc/fortunes/copyright). */
    public static final String DEBIAN_PACKAGE = "fortunes";

    private final String text;
    private final int[] vocab;

    private Fortunes(String text) {
        this.text = text;
        this.vocab = text.codePoints().distinct().sorted().toArray();
    }

    /** The text of every plain cookie file under {@code root}, in file-name order. */
    public static Fortunes load(Path root) {
        List<Path> files = files(root);
        StringBuilder all = new StringBuilder();
        for (Path f : files) {
            try {
                all.append(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(Files.readAllBytes(f))));
            } catch (CharacterCodingException e) {
                throw new KilnException("fortunes: " + f + " is not UTF-8 text", e);
            } catch (IOException e) {
                throw new KilnException("fortunes: could not read " + f, e);
            }
        }
        return new Fortunes(all.toString());
    }

    /** The cookie files: regular files (not links) without a {@code .dat} or {@code .u8} suffix, sorted by name. */
    static List<Path> files(Path root) {
        if (!Files.isDirectory(root)) {
            throw new KilnException("fortunes: no folder " + root + "; install Debian's " + DEBIAN_PACKAGE + " package"
                    + " (apt-get install --no-install-recommends " + DEBIAN_PACKAGE + ")");
        }
        try (Stream<Path> s = Files.list(root)) {
            List<Path> files = s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> !p.getFileName().toString().endsWith(".dat") && !p.getFileName().toString().endsWith(".u8"))
                    .sorted().toList();
            if (files.isEmpty()) {
                throw new KilnException("fortunes: no cookie files in " + root + "; install Debian's " + DEBIAN_PACKAGE + " package");
            }
            return files;
        } catch (IOException e) {
            throw new KilnException("fortunes: could not list " + root, e);
        }
    }

    /** The whole text. */
    public String text() {
        return text;
    }

    /** The vocabulary size. */
    public int vocabSize() {
        return vocab.length;
    }

    /** Each character of the text as its token. */
    public int[] tokens() {
        return encode(text);
    }

    /** {@code s} as tokens; a character not in the vocabulary is an error. */
    public int[] encode(String s) {
        return s.codePoints().map(c -> {
            int i = Arrays.binarySearch(vocab, c);
            if (i < 0) {
                throw new KilnException("fortunes: the character " + new String(Character.toChars(c)) + " (U+" + Integer.toHexString(c)
                        + ") is not in the vocabulary");
            }
            return i;
        }).toArray();
    }

    /** Tokens back to text. */
    public String decode(long[] tokens) {
        StringBuilder s = new StringBuilder();
        for (long t : tokens) {
            s.appendCodePoint(vocab[(int) t]);
        }
        return s.toString();
    }
}
