package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages whose frames {@link KilnException} skips to find the user's line are exactly those of
 * Kiln's library modules: every module of the build but the ones that use Kiln (samples, bench), so a
 * new package or module cannot silently turn Kiln's own frames into "the user's line".
 */
class KilnPackagesTest {
    /** Modules of this build that are Kiln's users, not Kiln: their frames are user lines. */
    private static final Set<String> USER_MODULES = Set.of("samples", "bench");
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");

    @Test
    void everyPackageOfKilnsModulesIsKilns() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Set<String> modules = new TreeSet<>();
        Matcher m = MODULE.matcher(Files.readString(root.resolve("pom.xml")));
        while (m.find()) {
            modules.add(m.group(1));
        }
        assertTrue(modules.containsAll(USER_MODULES) && modules.contains("graph-ir"), "read the modules: " + modules);
        Set<String> packages = new TreeSet<>();
        for (String module : modules) {
            if (!USER_MODULES.contains(module)) {
                packages.addAll(packages(root.resolve(module).resolve("src/main/java")));
            }
        }
        assertTrue(packages.size() > 15, "found the packages: " + packages);
        assertEquals(Set.of(), new TreeSet<>(packages.stream().filter(p -> !KilnException.isKilnPackage(p)).toList()),
                "packages of Kiln's modules missing from KilnException's list (errors would blame Kiln's own frame)");
    }

    @Test
    void usersPackagesAreNotKilns() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Set<String> users = new TreeSet<>(List.of("usercode", "dev.kiln.tests", "dev.kiln.tests.io", "dev.kiln.tests.distributed"));
        for (String module : USER_MODULES) {
            users.addAll(packages(root.resolve(module).resolve("src/main/java")));
        }
        assertTrue(users.contains("dev.kiln.samples"), "found the samples: " + users);
        for (String p : users) {
            assertFalse(KilnException.isKilnPackage(p), p + " is user code");
        }
    }

    private static Set<String> packages(Path src) throws IOException {
        Set<String> out = new TreeSet<>();
        if (!Files.isDirectory(src)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = PACKAGE.matcher(Files.readString(f));
                if (m.find()) {
                    out.add(m.group(1));
                }
            }
        }
        return out;
    }
}
