package io.edgesync.agent;

import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.LedgerException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * How many files the data folder's ledger had recorded (its running total), noted beside it at every start and
 * stop. A ledger with fewer is older than the data folder, a backup put back: it does not know the files
 * received since, which are in the spool and would be quarantined as never acknowledged. Such a start is
 * refused unless {@code --rebuild-ledger} asks to owe those files again.
 */
final class LedgerMark {
    private final Path file;

    LedgerMark(Path file) {
        this.file = file;
    }

    void check(Ledger ledger, boolean rebuild) throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        long noted;
        try {
            noted = Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException e) {
            return; // unreadable: noted again at this start
        }
        long recorded = ledger.reports().received().files();
        if (recorded < noted && !rebuild) {
            ledger.close();
            throw new IOException("the ledger " + file.resolveSibling("ledger.db") + " has recorded " + recorded
                    + " files, but this data folder's had " + noted + ": it is older (a backup put back?) and does"
                    + " not know the files received since, which would be quarantined. Start once with"
                    + " --rebuild-ledger to keep it and owe every spool file it does not know to the upstreams again");
        }
    }

    /** Notes the ledger's total now (a temporary renamed over the mark; losing it in a crash only skips a check). */
    void write(Ledger ledger) {
        try {
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temp, Long.toString(ledger.reports().received().files()), StandardCharsets.US_ASCII);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            System.getLogger(LedgerMark.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot note the ledger''s total in {0}: {1}", file, e.getMessage());
        }
    }
}
