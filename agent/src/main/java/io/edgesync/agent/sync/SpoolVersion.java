package io.edgesync.agent.sync;

import io.edgesync.agent.ledger.Delivery;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.ledger.SpoolStamp;
import io.edgesync.agent.sync.ftp.UpstreamException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The spool file of one delivery, opened as the version the delivery was made for, or the reason it is not
 * to be sent. A delivery sends only the bytes it was created for: the spool path may hold a newer version
 * (the device sent the name again) or nothing (the device deleted it), and a resumed upload must not
 * continue an older version's temporary with a newer version's bytes.
 *
 * <p>The version is told by the stamp recorded at ingest ({@link SpoolStamp}: inode, size, modification
 * time). The path is looked at before and after the open, so the open file is the one the stamp describes;
 * the open file stays that version whatever happens to the path meanwhile. A stamp that differs is settled by
 * the SHA-256 of the open file (a spool restored from a backup has new inodes, same bytes), and a file whose
 * bytes are not the recorded ones is not sent: withdrawn when the ledger has a newer version or the device
 * withdrew it, parked otherwise (changed outside the agent). Right before the rename upstream,
 * {@link #stillCurrent()} looks again. Not thread-safe: one delivery attempt's.
 */
final class SpoolVersion implements AutoCloseable {
    private static final int OPEN_TRIES = 3;

    private final FileChannel file;
    private final SpoolStamp opened;
    private final Path local;
    private final Delivery delivery;
    private final Ledger ledger;
    private final Optional<Outcome> outcome;

    private SpoolVersion(FileChannel file, SpoolStamp opened, Path local, Delivery delivery, Ledger ledger,
                         Optional<Outcome> outcome) {
        this.file = file;
        this.opened = opened;
        this.local = local;
        this.delivery = delivery;
        this.ledger = ledger;
        this.outcome = outcome;
    }

    /** The open file's modification time: the device's (its MFMT), or the upload's. */
    java.time.Instant modifiedAt() {
        long nanos = opened.modifiedNanos();
        return java.time.Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    static SpoolVersion open(Path local, Delivery delivery, Ledger ledger) throws IOException {
        for (int attempt = 1; ; attempt++) {
            SpoolStamp before;
            try {
                before = SpoolStamp.read(local);
            } catch (NoSuchFileException e) {
                return refused(local, delivery, ledger, "the spool file is gone");
            }
            FileChannel file;
            try {
                file = FileChannel.open(local, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return refused(local, delivery, ledger, "the spool file is gone");
            }
            SpoolStamp after;
            try {
                after = SpoolStamp.read(local);
            } catch (NoSuchFileException e) {
                file.close();
                return refused(local, delivery, ledger, "the spool file is gone");
            }
            if (!before.equals(after) && attempt < OPEN_TRIES) {
                file.close(); // replaced while opening: open again, so that the stamp is the open file's
                continue;
            }
            SpoolVersion version = new SpoolVersion(file, after, local, delivery, ledger, Optional.empty());
            try {
                return version.checked();
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
        }
    }

    /** This version when its bytes are the recorded ones; else closed, with the outcome. */
    private SpoolVersion checked() throws IOException {
        if (delivery.stamp().isPresent() && delivery.stamp().get().equals(opened)) {
            return this;
        }
        if (opened.size() == delivery.size() && sha256(file).equals(delivery.sha256())) {
            ledger.intake().restamp(delivery.fileId(), opened); // the same bytes with a new inode (a restored spool)
            return this;
        }
        file.close();
        return refused(local, delivery, ledger, "the spool file holds other bytes than the recorded "
                + delivery.size() + " (sha256 " + delivery.sha256() + ")");
    }

    /** Not sent: withdrawn when the ledger says why, parked when nobody knows (changed outside the agent). */
    private static SpoolVersion refused(Path local, Delivery delivery, Ledger ledger, String what)
            throws LedgerException {
        Outcome outcome = switch (ledger.intake().standing(delivery.fileId())) {
            case SUPERSEDED -> new Outcome.Withdrawn("a newer upload of the path replaced it", Optional.empty());
            case WITHDRAWN -> new Outcome.Withdrawn("the device deleted it or renamed it away", Optional.empty());
            case CURRENT -> new Outcome.Parked("local", what + " at " + local + "; it cannot be delivered",
                    Optional.empty());
        };
        return new SpoolVersion(null, null, local, delivery, ledger, Optional.of(outcome));
    }

    /** Why the delivery is not to be sent, if so (then there is no {@link #file()}). */
    Optional<Outcome> outcome() {
        return outcome;
    }

    FileChannel file() {
        return file;
    }

    /**
     * Right before the rename upstream: the path still holds this version, or the ledger does not know of a
     * newer one and the device did not withdraw it.
     *
     * @throws UpstreamException {@code WITHDRAWN} when the file is not to be published after all
     */
    void stillCurrent() throws UpstreamException {
        try {
            if (SpoolStamp.read(local).equals(opened)) {
                return;
            }
        } catch (IOException e) {
            // gone or unreadable: the ledger tells whether the device withdrew it
        }
        Ledger.Standing standing;
        try {
            standing = ledger.intake().standing(delivery.fileId());
        } catch (LedgerException e) {
            throw new UpstreamException(UpstreamException.Reason.LOCAL, "cannot look up " + delivery.path()
                    + " in the ledger before publishing it: " + e.getMessage(), e);
        }
        switch (standing) {
            case CURRENT -> { }
            case SUPERSEDED -> throw new UpstreamException(UpstreamException.Reason.WITHDRAWN,
                    "a newer upload of the path replaced it during the transfer");
            case WITHDRAWN -> throw new UpstreamException(UpstreamException.Reason.WITHDRAWN,
                    "the device deleted it or renamed it away during the transfer");
        }
    }

    private static String sha256(FileChannel file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
        for (long pos = 0; ; ) {
            buffer.clear();
            int n = file.read(buffer, pos);
            if (n < 0) {
                break;
            }
            digest.update(buffer.array(), 0, n);
            pos += n;
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public void close() throws IOException {
        if (file != null) {
            file.close();
        }
    }
}
