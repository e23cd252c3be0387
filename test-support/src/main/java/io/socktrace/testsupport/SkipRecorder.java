package io.socktrace.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Writes down every test this JVM skipped ({@code @Disabled}) or aborted (a failed assumption), with
 * its reason, for {@link SkipSummary} to print once at the end of the build. Registered through
 * {@code META-INF/services}, so every module whose tests have this jar on the class path records
 * without configuration; surefire and failsafe tell it where ({@value #DIRECTORY_PROPERTY}) and for
 * which build ({@value #BUILD_PROPERTY}). Without those properties (an IDE) it records nothing.
 */
public final class SkipRecorder implements TestExecutionListener {
    /** Directory the records go to. */
    public static final String DIRECTORY_PROPERTY = "socktrace.skipRecords";
    /** This build's id: the summary reads only its own build's records. */
    public static final String BUILD_PROPERTY = "socktrace.buildId";

    private final List<SkipRecord> skipped = new ArrayList<>();
    private TestPlan plan;

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
    }

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        add(test, reason == null ? "disabled" : reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            add(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
        }
    }

    private void add(TestIdentifier test, String reason) {
        // a class aborted in @BeforeAll runs none of its tests, and they are not reported one by one
        long tests = test.isTest() || plan == null ? 1 : plan.getDescendants(test).stream().filter(TestIdentifier::isTest).count();
        if (tests == 0) {
            return;
        }
        skipped.add(new SkipRecord(module(), name(test), (int) tests, reason == null ? "aborted" : reason));
    }

    private static String name(TestIdentifier test) {
        Optional<TestSource> source = test.getSource();
        if (source.isPresent() && source.get() instanceof MethodSource) {
            MethodSource m = (MethodSource) source.get();
            return simple(m.getClassName()) + "." + m.getMethodName();
        }
        if (source.isPresent() && source.get() instanceof ClassSource) {
            return simple(((ClassSource) source.get()).getClassName());
        }
        return test.getDisplayName();
    }

    private static String simple(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static String module() {
        // surefire and failsafe run each module's tests in that module's directory
        Path dir = Path.of(System.getProperty("user.dir")).getFileName();
        return dir == null ? "?" : dir.toString();
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        String directory = System.getProperty(DIRECTORY_PROPERTY, "");
        String build = System.getProperty(BUILD_PROPERTY, "");
        if (skipped.isEmpty() || directory.isEmpty() || build.isEmpty()) {
            return;
        }
        String pid = ManagementFactory.getRuntimeMXBean().getName().split("@")[0];
        Path file = Path.of(directory).resolve(SkipRecord.fileName(build, module(), pid));
        List<String> lines = new ArrayList<>();
        for (SkipRecord r : skipped) {
            lines.add(r.toLine());
        }
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the skipped tests in " + file, e);
        }
        skipped.clear();
    }
}
