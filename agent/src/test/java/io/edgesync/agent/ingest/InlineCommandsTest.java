package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.config.Password;
import io.edgesync.testing.PeerProcess;
import org.apache.mina.core.buffer.IoBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Quick FTP commands answered on MINA's I/O thread ({@link InlineCommands}): which bytes count as quick, and
 * that a session's commands keep their order and a waiting transfer holds up nobody else.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InlineCommandsTest {
    @TempDir
    Path data;
    private final RecordingSink sink = new RecordingSink();
    private IngestServer server;

    @BeforeEach
    void start() throws IOException {
        int passive = PeerProcess.freeRange(16);
        FtpSettings settings = new FtpSettings("127.0.0.1", 0, passive, passive + 15, "", 64, 256, 200,
                Duration.ofSeconds(30), false, false, List.of(),
                new FtpSettings.LoginLimits(1000, Duration.ZERO, Duration.ofSeconds(1)),
                Optional.empty(), List.of(new FtpSettings.User("cam", Password.parse("cam-pw"), "cam", "elradfmw")));
        server = sink.start(data, settings);
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private static boolean quick(String bytes) {
        return InlineCommands.quickLines(IoBuffer.wrap(bytes.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void onlyWholeLinesOfQuickCommandsCountAsQuick() {
        for (String yes : List.of("NOOP\r\n", "pasv\r\n", "TYPE I\r\nPWD\r\nNOOP\r\n", "SITE CHMOD 644 ./f.jpg\r\n",
                "SIZE f0000.jpg\r\n", "CWD /x/d00\n", "  PWD\r\n")) {
            assertThat(quick(yes)).as(yes).isTrue();
        }
        for (String no : List.of("STOR x\r\n", "PASV\r\nSTOR x\r\n", "NOOP", "NOOP\r\nPW", "SITE SYNC x\r\n",
                "SITE\r\n", "\r\n", "", "RNTO x\r\n", "PASS secret\r\n", "DELE x\r\n",
                "MKD d\r\n", "MFMT 20261122141342 f0000.jpg\r\n", "STAT\r\n", "QUIT\r\n",
                "NOOPSTOR\r\n", "PASV\rSTOR x\n", "PORT 127,0,0,1,4,1\r\n", "EPRT |1|host.example|1025|\r\n",
                "ＮＯＯＰ\r\n", "CWD " + "a".repeat(2000) + "\r\n")) {
            assertThat(quick(no)).as(no).isFalse();
        }
        IoBuffer offset = IoBuffer.wrap("STOR x\r\nNOOP\r\n".getBytes(StandardCharsets.US_ASCII));
        offset.position(8);
        assertThat(InlineCommands.quickLines(offset)).as("from the buffer's position").isTrue();
        assertThat(offset.position()).as("left for the decoder").isEqualTo(8);
    }

    @Test
    void quickCommandsRunOnTheIoThreadAndTransfersInThePool() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            client.login("cam", "cam-pw");
            // PASS ran in the pool, and its 230 can reach us before its event has finished there: a command
            // sent at once would rightly wait its turn in the pool too. Count from an idle session.
            await().atMost(Duration.ofSeconds(10)).until(() -> server.eventsInFlight() == 0);
            long inline = server.commandsInline();
            long pooled = server.eventsPooled();
            for (int i = 0; i < 10; i++) {
                assertThat(client.send("TYPE I")).startsWith("200");
                assertThat(client.send("PWD")).startsWith("257");
                assertThat(client.send("SIZE missing.jpg")).startsWith("550");
            }
            assertThat(server.commandsInline() - inline).isEqualTo(30);
            assertThat(server.eventsPooled()).isEqualTo(pooled);

            try (Socket socket = client.startUpload("a.jpg")) {
                socket.getOutputStream().write(new byte[4096]);
            }
            assertThat(client.reply()).startsWith("226");
            assertThat(server.eventsPooled() - pooled).as("the STOR").isEqualTo(1);
        }
        assertThat(sink.recorded).anyMatch(f -> f.path().equals("cam/a.jpg") && f.size() == 4096);
    }

    @Test
    void aCommandSentDuringAnUploadIsAnsweredAfterIt() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            client.login("cam", "cam-pw");
            try (Socket socket = client.startUpload("during.jpg")) {
                OutputStream bytes = socket.getOutputStream();
                bytes.write(new byte[1000]);
                bytes.flush();
                client.out.write("NOOP\r\nSIZE during.jpg\r\n".getBytes(StandardCharsets.US_ASCII));
                client.out.flush();
                client.socket.setSoTimeout(500);
                assertThatThrownBy(client::reply).as("nothing is answered while the upload runs")
                        .isInstanceOf(SocketTimeoutException.class);
                bytes.write(new byte[1000]);
            }
            client.socket.setSoTimeout(10_000);
            assertThat(client.reply()).startsWith("226");
            assertThat(client.reply()).startsWith("200");
            assertThat(client.reply()).as("SIZE sees the whole upload").isEqualTo("213 2000");
        }
    }

    @Test
    void pipelinedAndSplitCommandsAreAnsweredInOrder() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            client.login("cam", "cam-pw");
            client.out.write("TYPE I\r\nPWD\r\nSITE CHMOD 644 x.jpg\r\nNOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            client.out.flush();
            List<String> replies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                replies.add(client.reply().substring(0, 3));
            }
            assertThat(replies).as("'cam' lacks 'M': SITE CHMOD refused").containsExactly("200", "257", "550", "200");

            client.out.write("MK".getBytes(StandardCharsets.US_ASCII));
            client.out.flush();
            assertThat(client.send("D split\r\n".getBytes(StandardCharsets.US_ASCII))).startsWith("257");
            assertThat(data.resolve("spool/cam/split")).isDirectory();
        }
    }

    @Test
    void anUploadWaitingForItsBytesHoldsUpNoOtherSession() throws Exception {
        try (RawClient uploading = new RawClient(server.port())) {
            uploading.login("cam", "cam-pw");
            try (Socket socket = uploading.startUpload("waiting.jpg")) {
                // more sessions than MINA has I/O threads (cores + 1): some share the waiting session's thread
                for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors() + 4; i++) {
                    try (RawClient other = new RawClient(server.port())) {
                        other.login("cam", "cam-pw");
                        assertThat(other.send("PWD")).as("session %d", i).startsWith("257");
                        assertThat(other.send("MKD d" + i)).as("session %d", i).startsWith("257");
                    }
                }
                socket.getOutputStream().write(new byte[100]);
            }
            assertThat(uploading.reply()).startsWith("226");
        }
        assertThat(Files.size(data.resolve("spool/cam/waiting.jpg"))).isEqualTo(100);
    }
}
