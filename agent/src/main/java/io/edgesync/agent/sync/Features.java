package io.edgesync.agent.sync;

import org.apache.commons.net.ftp.FTPClient;

import java.io.IOException;
import java.util.Locale;

/**
 * What an upstream's FEAT reply offers that the uploader uses: {@code REST STREAM} (resume), and a
 * SHA-256 hash command ({@code HASH} listing SHA-256, or {@code XSHA256}).
 */
record Features(boolean restStream, boolean hashSha256, boolean xsha256) {

    static Features read(FTPClient client) throws IOException {
        if (!client.features()) {
            return new Features(false, false, false);
        }
        boolean rest = false;
        boolean hash = false;
        boolean xsha = false;
        for (String line : client.getReplyStrings()) {
            String feature = line.trim().toUpperCase(Locale.ROOT);
            rest |= feature.startsWith("REST STREAM");
            hash |= feature.startsWith("HASH") && feature.contains("SHA-256");
            xsha |= feature.equals("XSHA256");
        }
        return new Features(rest, hash, xsha);
    }
}
