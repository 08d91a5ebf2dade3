package io.edgesync.agent.sync.ftp;

import io.edgesync.agent.config.Secret;
import io.edgesync.agent.config.UpstreamSettings;
import io.edgesync.testing.PureFtpd;
import io.edgesync.testing.SelfSigned;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pure-ftpd as an upstream, plain and over explicit FTPS: it answers a command that arrives during a transfer
 * (the SIZE the agent sends with the end of its data) with "500 Unknown command" before the transfer's 226.
 * The uploads must succeed the first time, fall back to asking SIZE after the 226, and stay that way.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PureFtpdUpstreamTest {
    @TempDir
    Path dir;
    private final List<FileChannel> openFiles = new ArrayList<>();

    @AfterEach
    void closeFiles() throws IOException {
        for (FileChannel file : openFiles) {
            file.close();
        }
    }

    private static UpstreamSettings upstream(int port, boolean tls, Optional<Path> caFile) {
        Duration timeout = Duration.ofSeconds(10);
        return new UpstreamSettings("pure", URI.create((tls ? "ftps" : "ftp") + "://127.0.0.1:" + port + "/in"),
                PureFtpd.USER, Secret.of(PureFtpd.PASSWORD), 1, timeout, timeout, timeout, List.of("**"), caFile, false);
    }

    private Uploader.Upload upload(Path local, String relative) throws Exception {
        FileChannel file = FileChannel.open(local, StandardOpenOption.READ);
        openFiles.add(file);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(local)));
        return new Uploader.Upload(file, local, relative, Files.size(local), sha, relative.replace('/', '-'), false,
                done -> { }, () -> { });
    }

    private Path localFile(String name, int size) throws IOException {
        byte[] body = new byte[size];
        new Random(size).nextBytes(body);
        return Files.write(Files.createDirectories(dir.resolve("local")).resolve(name), body);
    }

    private void uploadsEveryFileOnTheFirstAttempt(PureFtpd server, FtpUploader uploader) throws Exception {
        // a small file (early data, SIZE with the end) and a large one (9 MB: the one re-sent for ever before)
        List<Path> files = List.of(localFile("small.bin", 20_000), localFile("large.bin", 9_000_000),
                localFile("next.bin", 30_000));
        try (Uploader.Session session = uploader.open()) {
            for (Path file : files) {
                session.upload(upload(file, "cam/" + file.getFileName()));
                assertThat(server.root().resolve("in/cam/" + file.getFileName())).hasSameBinaryContentAs(file);
            }
        }
        try (Stream<Path> left = Files.walk(server.root())) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".edgesync-"));
        }
    }

    @Test
    void plainUploadsSucceedAndTheSizeIsAskedAfterThe226FromThenOn() throws Exception {
        try (PureFtpd server = PureFtpd.start(dir.resolve("pure"), Optional.empty())) {
            uploadsEveryFileOnTheFirstAttempt(server, new FtpUploader(upstream(server.port(), false, Optional.empty())));
        }
    }

    @Test
    void ftpsUploadsSucceed() throws Exception {
        SelfSigned certificate = SelfSigned.forAddress(Files.createDirectories(dir.resolve("tls")), "127.0.0.1");
        try (PureFtpd server = PureFtpd.start(dir.resolve("pure"), Optional.of(certificate))) {
            uploadsEveryFileOnTheFirstAttempt(server,
                    new FtpUploader(upstream(server.port(), true, Optional.of(certificate.cert()))));
        }
    }
}
