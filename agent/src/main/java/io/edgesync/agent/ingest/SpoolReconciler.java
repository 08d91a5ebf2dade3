package io.edgesync.agent.ingest;

import io.edgesync.agent.ledger.Ledger;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * At start, before the FTP server opens: a file in the spool that the ledger does not know, or whose size
 * differs from the recorded one, was never acknowledged (a crash between the rename into the spool and
 * the ledger commit). It is never delivered: it moves to {@code <data-dir>/quarantine/<time>/} and is
 * logged. Device temporaries ({@code ftp.ignore}) are left where they are.
 */
public final class SpoolReconciler {
    private static final System.Logger LOG = System.getLogger(SpoolReconciler.class.getName());
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Path spool;
    private final Path quarantine;
    private final Ledger ledger;
    private final IgnoredNames ignored;
    private final Clock clock;

    public SpoolReconciler(Path spool, Path quarantine, Ledger ledger, List<String> ignoredGlobs, Clock clock) {
        this.spool = spool;
        this.quarantine = quarantine;
        this.ledger = ledger;
        this.ignored = new IgnoredNames(ignoredGlobs);
        this.clock = clock;
    }

    /** @return the spool paths moved to quarantine */
    public List<String> reconcile() throws IOException {
        if (!Files.isDirectory(spool)) {
            return List.of();
        }
        List<String> strays = new ArrayList<>();
        Files.walkFileTree(spool, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String relative = spool.relativize(file).toString().replace('\\', '/');
                if (attrs.isRegularFile() && !ignored.ignored(relative)) {
                    Optional<Long> recorded = ledger.recordedSize(relative);
                    if (recorded.isEmpty() || recorded.get() != attrs.size()) {
                        strays.add(relative);
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        if (strays.isEmpty()) {
            return strays;
        }
        Path into = quarantine.resolve(STAMP.format(clock.instant()));
        for (String stray : strays) {
            Path target = into.resolve(stray);
            Files.createDirectories(target.getParent());
            Files.move(spool.resolve(stray), target, StandardCopyOption.REPLACE_EXISTING);
            LOG.log(System.Logger.Level.WARNING, "{0} is in the spool but was never acknowledged to its device;"
                    + " moved to {1}, it will not be delivered", stray, target);
        }
        SpoolWriter.fsyncDirectory(spool);
        return strays;
    }
}
