package io.edgesync.agent.spool;

import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.ledger.SpoolStamp;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
import java.util.function.Function;

/**
 * At start, before the FTP server opens, the spool and the ledger are made to agree.
 * <ul>
 * <li>An upload recorded but not known to be in place (a crash came between its record and its rename, or
 * before its mark): published if the spool holds exactly it, forgotten otherwise, so that the acknowledged
 * version before it stays what is owed.</li>
 * <li>A file in the spool that is not the version the ledger recorded for its path (told by its inode and
 * modification time, then by its SHA-256) was never acknowledged: it is never delivered, it moves to
 * {@code <data-dir>/quarantine/<time>/} and is logged. Rows recorded before versions had stamps are compared
 * by size once, and stamped.</li>
 * </ul>
 * Device temporaries ({@code ftp.ignore}) are left where they are.
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
        settleUnpublished();
        if (!Files.isDirectory(spool)) {
            return List.of();
        }
        List<String> strays = new ArrayList<>();
        Files.walkFileTree(spool, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String relative = spool.relativize(file).toString().replace('\\', '/');
                if (attrs.isRegularFile() && !ignored.ignored(relative) && !recorded(file, relative, attrs)) {
                    strays.add(relative);
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
            LOG.log(System.Logger.Level.WARNING, "{0} is in the spool but the ledger has no such version of it"
                    + " (never acknowledged to its device, or changed outside the agent); moved to {1}, it will not"
                    + " be delivered", stray, target);
        }
        SpoolWriter.fsyncDirectory(spool);
        return strays;
    }

    /** Whether {@code spool} holds any file that would be delivered (device temporaries aside). */
    public static boolean holdsFiles(Path spool, List<String> ignoredGlobs) throws IOException {
        return !files(spool, new IgnoredNames(ignoredGlobs), 1).isEmpty();
    }

    /**
     * Every file in the spool that would be delivered and that the ledger does not have as it is (a ledger lost,
     * or put back from a backup, and rebuilt on purpose: {@code --rebuild-ledger}), as a received file to record,
     * hashed and stamped now.
     *
     * @param userOf the device account whose home holds a spool path
     */
    public List<ReceivedFile> unknown(Function<String, String> userOf) throws IOException {
        List<ReceivedFile> out = new ArrayList<>();
        for (String relative : files(spool, ignored, Integer.MAX_VALUE)) {
            Path file = spool.resolve(relative);
            Optional<Ledger.Version> known = ledger.intake().currentVersion(relative);
            if (known.isPresent() && same(file, known.get())) {
                continue;
            }
            SpoolStamp stamp = SpoolStamp.read(file);
            out.add(new ReceivedFile(relative, stamp.size(), SpoolWriter.sha256Of(file), clock.instant(),
                    userOf.apply(relative), "rebuilt").withStamp(stamp));
        }
        return out;
    }

    /** Up to {@code limit} spool paths of files that would be delivered, in walk order. */
    private static List<String> files(Path spool, IgnoredNames ignored, int limit) throws IOException {
        List<String> found = new ArrayList<>();
        if (!Files.isDirectory(spool)) {
            return found;
        }
        Files.walkFileTree(spool, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String relative = spool.relativize(file).toString().replace('\\', '/');
                if (attrs.isRegularFile() && !ignored.ignored(relative)) {
                    found.add(relative);
                }
                return found.size() < limit ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
            }
        });
        return found;
    }

    /** Each upload recorded before a crash but not marked as in place: published, or forgotten. */
    private void settleUnpublished() throws IOException {
        for (Ledger.Version upload : ledger.intake().unpublished()) {
            Path file = spool.resolve(upload.path());
            boolean inPlace = Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && same(file, upload);
            if (inPlace) {
                ledger.intake().publishNow(upload.fileId(), upload.path(), clock.instant());
                LOG.log(System.Logger.Level.INFO, "{0}: recorded and renamed into the spool before the agent"
                        + " stopped; it is delivered", upload.path());
            } else {
                ledger.intake().discardUnpublished(upload.fileId());
                LOG.log(System.Logger.Level.WARNING, "{0}: recorded but never put in place before the agent stopped"
                        + " (its device was not acknowledged); forgotten, the version before it stays", upload.path());
            }
        }
    }

    /** Whether {@code file} is the version the ledger recorded for {@code relative}. */
    private boolean recorded(Path file, String relative, BasicFileAttributes attrs) throws IOException {
        Optional<Ledger.Version> version = ledger.intake().currentVersion(relative);
        if (version.isEmpty()) {
            return false;
        }
        if (version.get().stamp().isEmpty()) {
            // recorded before versions had stamps: the size, as then, and the stamp from now on
            if (version.get().size() != attrs.size()) {
                return false;
            }
            ledger.intake().restamp(version.get().fileId(), SpoolStamp.of(attrs));
            return true;
        }
        return same(file, version.get());
    }

    /** Its stamp, else its bytes (a spool restored from a backup has new inodes), are the version's. */
    private boolean same(Path file, Ledger.Version version) throws IOException {
        SpoolStamp stamp = SpoolStamp.read(file);
        if (version.stamp().isPresent() && version.stamp().get().equals(stamp)) {
            return true;
        }
        if (stamp.size() != version.size() || !SpoolWriter.sha256Of(file).equals(version.sha256())) {
            return false;
        }
        ledger.intake().restamp(version.fileId(), stamp);
        return true;
    }
}
