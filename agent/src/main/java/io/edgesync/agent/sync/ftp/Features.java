package io.edgesync.agent.sync.ftp;

import org.apache.commons.net.ftp.FTPClient;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

/**
 * What an upstream's FEAT reply offers that the uploader uses: {@code REST STREAM} (resume), a SHA-256
 * hash command ({@code HASH} listing SHA-256, or {@code XSHA256}), and {@code SIZE} (asked together with the
 * end of each transfer). Read through Commons Net's own FEAT parsing ({@link FTPClient#hasFeature}), which
 * sends FEAT once per connection.
 */
record Features(boolean restStream, boolean hashSha256, boolean xsha256, boolean size, boolean mfmt) {

    static Features read(FTPClient client) throws IOException {
        return new Features(hasValue(client, "REST", "STREAM"), hasValue(client, "HASH", "SHA-256"),
                client.hasFeature("XSHA256"), client.hasFeature("SIZE"), client.hasFeature("MFMT"));
    }

    /** Whether {@code feature} is offered with a value that names {@code value} (HASH lists several: SHA-1;SHA-256*). */
    private static boolean hasValue(FTPClient client, String feature, String value) throws IOException {
        String[] values = client.featureValues(feature);
        return values != null && Arrays.stream(values)
                .anyMatch(v -> v.toUpperCase(Locale.ROOT).contains(value));
    }
}
