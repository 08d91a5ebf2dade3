package io.edgesync.agent.sync;

import org.apache.commons.net.ftp.FTPClient;

import java.io.IOException;
import java.util.Locale;

/**
 * What an upstream's FEAT reply offers that the uploader uses: {@code REST STREAM} (resume), a SHA-256
 * hash command ({@code HASH} listing SHA-256, or {@code XSHA256}), and {@code SIZE} (asked together with the
 * end of each transfer).
 */
record Features(boolean restStream, boolean hashSha256, boolean xsha256, boolean size) {

    static Features read(FTPClient client) throws IOException {
        if (!client.features()) {
            return new Features(false, false, false, false);
        }
        boolean rest = false;
        boolean hash = false;
        boolean xsha = false;
        boolean size = false;
        for (String line : client.getReplyStrings()) {
            String feature = line.trim().toUpperCase(Locale.ROOT);
            rest |= feature.startsWith("REST STREAM");
            hash |= feature.startsWith("HASH") && feature.contains("SHA-256");
            xsha |= feature.equals("XSHA256");
            size |= feature.equals("SIZE");
        }
        return new Features(rest, hash, xsha, size);
    }
}
