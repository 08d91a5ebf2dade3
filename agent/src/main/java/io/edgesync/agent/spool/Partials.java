package io.edgesync.agent.spool;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The bytes of device uploads that were cut (the data connection lost, the client gone) before their 226,
 * kept under {@code incoming/partial/<spool path>} so that the same device can continue them with
 * {@code REST}+{@code STOR} or {@code APPE} and send only the rest. A partial is never recorded, never
 * delivered and never seen in a listing; {@code SIZE} reports its length (that is how clients find where to
 * continue); it counts against its device's quota; it is removed after {@code ftp.partial-keep}, when a new
 * upload of the path starts from byte 0, or when its upload completes. Thread-safe: each operation is one
 * rename or delete (two uploads of the same path at once are not a case FTP clients make).
 */
public final class Partials {
    private static final System.Logger LOG = System.getLogger(Partials.class.getName());

    private final Path root;
    private final Duration keep;
    private final Clock clock;

    /** @param incoming the uploads' private folder, on the spool's file system */
    public Partials(Path incoming, Duration keep, Clock clock) {
        this.root = incoming.resolve("partial");
        this.keep = keep;
        this.clock = clock;
    }

    Path root() {
        return root;
    }

    public boolean enabled() {
        return !keep.isZero();
    }

    private Path of(SpoolPath target) {
        return root.resolve(target.relative());
    }

    /** The partial kept for {@code target}, if there is one not yet expired. */
    public java.util.Optional<Path> find(SpoolPath target) {
        Path partial = of(target);
        try {
            BasicFileAttributes attrs = Files.readAttributes(partial, BasicFileAttributes.class);
            if (attrs.isRegularFile() && !expired(attrs.lastModifiedTime())) {
                return java.util.Optional.of(partial);
            }
        } catch (IOException e) {
            // none
        }
        return java.util.Optional.empty();
    }

    /** Length of the partial kept for {@code target}, or -1 when there is none. */
    public long size(SpoolPath target) {
        return find(target).map(p -> {
            try {
                return Files.size(p);
            } catch (IOException e) {
                return -1L;
            }
        }).orElse(-1L);
    }

    /** Keeps a cut upload's temporary as the partial of {@code target} (replacing an older one). */
    void keep(Path temporary, SpoolPath target) {
        if (!enabled()) {
            return;
        }
        Path partial = of(target);
        try {
            Files.createDirectories(partial.getParent());
            Files.move(temporary, partial, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(partial, FileTime.from(clock.instant()));
            LOG.log(System.Logger.Level.INFO, "{0}: {1} bytes of a cut upload kept for {2}, so that the device can"
                    + " continue it (REST+STOR or APPE)", target.relative(), Files.size(partial), keep);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: cannot keep the cut upload''s bytes ({1}); the device will"
                    + " send it whole", target.relative(), e.toString());
        }
    }

    /** Forgets the partial of {@code target}, if any (a new upload starts from byte 0, or one completed). */
    public void discard(SpoolPath target) {
        try {
            Files.deleteIfExists(of(target));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: cannot remove its partial upload: {1}", target.relative(),
                    e.toString());
        }
    }

    /** Files and bytes of the partials under spool folder {@code home}. */
    public UploadSink.Owed under(String home) throws IOException {
        Path dir = root.resolve(home);
        if (!Files.isDirectory(dir)) {
            return new UploadSink.Owed(0, 0);
        }
        long[] used = new long[2];
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && !expired(attrs.lastModifiedTime())) {
                    used[0]++;
                    used[1] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // taken or removed meanwhile
            }
        });
        return new UploadSink.Owed(used[0], used[1]);
    }

    /** Removes partials older than {@code ftp.partial-keep}, and the folders they leave empty. */
    public int sweep() {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int[] removed = {0};
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (!enabled() || expired(attrs.lastModifiedTime())) {
                        Files.deleteIfExists(file);
                        removed[0]++;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                    if (!dir.equals(root)) {
                        try {
                            Files.delete(dir);
                        } catch (DirectoryNotEmptyException | NoSuchFileException stillUsed) {
                            // holds a partial still kept
                        } catch (IOException other) {
                            LOG.log(System.Logger.Level.DEBUG, "partials: {0}: {1}", dir, other.toString());
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "partials: cannot sweep {0}: {1}", root, e.toString());
        }
        if (removed[0] > 0) {
            LOG.log(System.Logger.Level.INFO, "partials: removed {0} cut upload(s) older than {1}", removed[0], keep);
        }
        return removed[0];
    }

    private boolean expired(FileTime modified) {
        return modified.toInstant().plus(keep).isBefore(clock.instant()) || modified.toInstant().isAfter(farFuture());
    }

    /** A partial stamped more than a day ahead was stamped under a wrong clock: not trusted. */
    private Instant farFuture() {
        return clock.instant().plus(Duration.ofDays(1));
    }
}
