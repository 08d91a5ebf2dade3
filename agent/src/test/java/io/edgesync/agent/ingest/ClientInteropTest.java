package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.config.Password;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Peers;
import io.edgesync.testing.Tmpfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real FTP clients against the embedded server: lftp (mirror, passive and active), curl (EPSV, active,
 * listing, download, IPv6 on ::1, a file over 4 GiB), wget (download), tnftp (BSD ftp, scripted, passive
 * and active) and Debian's Python ftplib (UTF-8 names, MLSD, SIZE, MDTM, an empty file, TYPE A).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientInteropTest {
    @TempDir
    Path data;
    private final RecordingSink sink = new RecordingSink();
    private final List<ReceivedFile> recorded = sink.recorded;
    private IngestServer server;

    private IngestServer start(String bind) throws IOException {
        int passive = PeerProcess.freeRange(16);
        FtpSettings settings = new FtpSettings(bind, 0, passive, passive + 15, "", 64, 256, 64, Duration.ofSeconds(30),
                false, true, List.of("*.tmp"), new FtpSettings.LoginLimits(100, Duration.ZERO, Duration.ofSeconds(1)),
                java.util.Optional.empty(), List.of(new FtpSettings.User("cam", Password.parse("cam-pw"), "cam", "elradfmw")));
        server = sink.start(data, settings);
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private static String run(List<String> command, Path cwd) throws Exception {
        return run(command, cwd, "");
    }

    private static String run(List<String> command, Path cwd, String input) throws Exception {
        Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        try (var stdin = p.getOutputStream()) {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(command + "\n" + out).isZero();
        return out;
    }

    private Path tree() throws IOException {
        Path src = data.resolve("src");
        Random random = new Random(3);
        for (int d = 0; d < 3; d++) {
            for (int f = 0; f < 4; f++) {
                byte[] body = new byte[random.nextInt(50_000)];
                random.nextBytes(body);
                Path file = src.resolve("d" + d).resolve("f" + f + ".jpg");
                Files.createDirectories(file.getParent());
                Files.write(file, body);
            }
        }
        return src;
    }

    @Test
    void lftpMirrorsATreePassiveAndActive() throws Exception {
        Path lftp = Peers.require("lftp", "lftp");
        start("127.0.0.1");
        Path src = tree();
        for (String passive : List.of("on", "off")) {
            String target = "mirror-" + passive;
            run(List.of(lftp.toString(), "-c", "set ftp:passive-mode " + passive + "; set net:max-retries 1; "
                    + "open -u cam,cam-pw ftp://127.0.0.1:" + server.port() + "; mirror -R --parallel=4 "
                    + src + " " + target + "; cls -1 " + target + "/d0"), data);
            for (int d = 0; d < 3; d++) {
                for (int f = 0; f < 4; f++) {
                    String rel = "d" + d + "/f" + f + ".jpg";
                    assertThat(data.resolve("spool/cam/" + target + "/" + rel)).hasSameBinaryContentAs(src.resolve(rel));
                }
            }
        }
        assertThat(recorded).hasSize(24);
    }

    @Test
    void curlUploadsListsAndDownloadsInEpsvAndActiveModeAndWgetDownloads() throws Exception {
        Path curl = Peers.require("curl", "curl");
        Path wget = Peers.require("wget", "wget");
        start("127.0.0.1");
        Path file = Files.write(data.resolve("a.bin"), new byte[70_000]);
        String base = "ftp://cam:cam-pw@127.0.0.1:" + server.port() + "/";
        run(List.of(curl.toString(), "-sS", "--ftp-create-dirs", "-T", file.toString(), base + "epsv/a.bin"), data);
        run(List.of(curl.toString(), "-sS", "--ftp-port", "127.0.0.1", "-T", file.toString(), base + "active.bin"), data);
        run(List.of(curl.toString(), "-sS", "--disable-epsv", "-T", file.toString(), base + "pasv.bin"), data);
        assertThat(run(List.of(curl.toString(), "-sS", "-l", base), data)).contains("active.bin", "pasv.bin", "epsv");
        run(List.of(curl.toString(), "-sS", "-o", "back.bin", base + "epsv/a.bin"), data);
        assertThat(data.resolve("back.bin")).hasSameBinaryContentAs(file);
        run(List.of(wget.toString(), "-q", "-O", "wget.bin", base + "pasv.bin"), data);
        assertThat(data.resolve("wget.bin")).hasSameBinaryContentAs(file);
        assertThat(recorded).extracting(ReceivedFile::path)
                .containsExactlyInAnyOrder("cam/epsv/a.bin", "cam/active.bin", "cam/pasv.bin");
    }

    @Test
    void curlOverIpv6() throws Exception {
        Path curl = Peers.require("curl", "curl");
        start("::1");
        Path file = Files.write(data.resolve("v6.bin"), new byte[12_345]);
        run(List.of(curl.toString(), "-sS", "-g", "-T", file.toString(),
                "ftp://cam:cam-pw@[::1]:" + server.port() + "/v6.bin"), data);
        assertThat(data.resolve("spool/cam/v6.bin")).hasSameBinaryContentAs(file);
        assertThat(recorded).singleElement().satisfies(f -> assertThat(f.clientIp()).isEqualTo("0:0:0:0:0:0:0:1"));
    }

    @Test
    void tnftpScriptedInPassiveAndActiveMode() throws Exception {
        Path tnftp = Peers.require("tnftp", "tnftp");
        start("127.0.0.1");
        Path file = Files.write(data.resolve("shot.jpg"), random(90_000, 5));
        for (String passive : List.of("on", "off")) {
            String dir = "tn-" + passive;
            String out = run(List.of(tnftp.toString(), "-n", "-v", "127.0.0.1", Integer.toString(server.port())), data,
                    String.join("\n", "user cam cam-pw", "binary", "passive " + passive, "mkdir " + dir, "cd " + dir,
                            "put shot.jpg x.tmp", "rename x.tmp shot.jpg", "put shot.jpg gone.jpg", "delete gone.jpg",
                            "ls", "get shot.jpg back-" + passive + ".jpg", "quit", ""));
            assertThat(out).contains("250 Rename successful").containsPattern(":\\d\\d shot\\.jpg\n")
                    .doesNotContainPattern(":\\d\\d gone\\.jpg");
            assertThat(data.resolve("spool/cam/" + dir + "/shot.jpg")).hasSameBinaryContentAs(file);
            assertThat(data.resolve("spool/cam/" + dir + "/gone.jpg")).doesNotExist();
            assertThat(data.resolve("back-" + passive + ".jpg")).hasSameBinaryContentAs(file);
        }
        // x.tmp is a device temporary (ftp.ignore): recorded once renamed; gone.jpg was recorded, then withdrawn
        assertThat(recorded).extracting(ReceivedFile::path).containsExactlyInAnyOrder(
                "cam/tn-on/shot.jpg", "cam/tn-on/gone.jpg", "cam/tn-off/shot.jpg", "cam/tn-off/gone.jpg");
        assertThat(sink.withdrawn).containsExactlyInAnyOrder("cam/tn-on/gone.jpg", "cam/tn-off/gone.jpg");
    }

    /**
     * Sizes and offsets past 2^32 (a 32-bit counter anywhere would wrap): curl uploads a sparse 4 GiB +
     * 1 MiB file with marks on both sides of the 4 GiB line, into a spool on a tmpfs (RAM, so no disk has
     * to have 4 GiB free), and reads SIZE back.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void curlUploadsAFileOver4GiB() throws Exception {
        Path curl = Peers.require("curl", "curl");
        long size = (4L << 30) + (1 << 20) + 7;
        Path source = data.resolve("sparse.bin");
        byte[] mark = random(4096, 11);
        try (var ch = java.nio.channels.FileChannel.open(source, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(mark), 0);
            ch.write(java.nio.ByteBuffer.wrap(mark), (4L << 30) - 100); // across the 4 GiB line
            ch.write(java.nio.ByteBuffer.wrap(mark), size - mark.length);
        }
        String expected = sha256(source);
        Path ram = Files.createDirectories(data.resolve("ram"));
        try (Tmpfs mounted = Tmpfs.mount(ram, "4200m")) {
            int passive = PeerProcess.freeRange(4);
            server = sink.start(ram, new FtpSettings("127.0.0.1", 0, passive, passive + 3, "", 4, 8, 8,
                    Duration.ofSeconds(30), false, true, List.of(), new FtpSettings.LoginLimits(5, Duration.ZERO,
                    Duration.ofSeconds(1)), java.util.Optional.empty(),
                    List.of(new FtpSettings.User("cam", Password.parse("cam-pw"), "cam", "elrw"))));
            String url = "ftp://cam:cam-pw@127.0.0.1:" + server.port() + "/big.bin";
            run(List.of(curl.toString(), "-sS", "-T", source.toString(), url), data);
            assertThat(run(List.of(curl.toString(), "-sS", "-I", url), data)).contains("Content-Length: " + size);
            Path stored = ram.resolve("spool/cam/big.bin");
            assertThat(Files.size(stored)).isEqualTo(size);
            try (var ch = java.nio.channels.FileChannel.open(stored)) {
                java.nio.ByteBuffer back = java.nio.ByteBuffer.allocate(mark.length);
                ch.read(back, (4L << 30) - 100);
                assertThat(back.array()).isEqualTo(mark);
            }
            assertThat(recorded).singleElement().satisfies(f -> {
                assertThat(f.size()).isEqualTo(size);
                assertThat(f.sha256()).isEqualTo(expected);
            });
            server.stop();
            server = null;
        }
    }

    @Test
    void pythonFtplibWithUtf8NamesEmptyFilesMachineListingsAndAscii() throws Exception {
        Path python = Peers.pyftpdlib(); // Debian's python3, which has ftplib too
        start("127.0.0.1");
        Path script = Files.writeString(data.resolve("client.py"), String.join("\n",
                "import ftplib, io, sys",
                "c = ftplib.FTP(encoding='utf-8')",
                "c.connect('127.0.0.1', int(sys.argv[1]), timeout=20)",
                "c.login('cam', 'cam-pw')",
                "print(c.sendcmd('OPTS UTF8 ON'))",
                "name = 'Überwachung Kamera 1 – Tür.jpg'",
                "c.storbinary('STOR ' + name, io.BytesIO(b'x' * 1234))",
                "c.storbinary('STOR empty.dat', io.BytesIO(b''))",
                "c.storlines('STOR notes.txt', io.BytesIO(b'line one\\nline two\\n'))",
                "print('SIZE', c.size(name))",
                "print(c.sendcmd('MDTM ' + name))",
                "print('MLSD', sorted(n for n, facts in c.mlsd()))",
                "print(c.sendcmd('MLST empty.dat'))",
                "c.quit()"));
        String out = run(List.of(python.toString(), script.toString(), Integer.toString(server.port())), data);
        assertThat(out).contains("SIZE 1234").contains("213 ").contains("empty.dat")
                .contains("Überwachung Kamera 1 – Tür.jpg");
        assertThat(data.resolve("spool/cam/Überwachung Kamera 1 – Tür.jpg")).hasSize(1234);
        assertThat(data.resolve("spool/cam/empty.dat")).isEmptyFile();
        assertThat(data.resolve("spool/cam/notes.txt")).hasContent("line one\nline two\n");
        List<String> paths = new ArrayList<>(recorded.stream().map(ReceivedFile::path).toList());
        assertThat(paths).containsExactlyInAnyOrder("cam/Überwachung Kamera 1 – Tür.jpg", "cam/empty.dat", "cam/notes.txt");
        assertThat(recorded).filteredOn(f -> f.path().endsWith("empty.dat")).singleElement()
                .satisfies(f -> assertThat(f.sha256()).isEqualTo(
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(Path file) throws Exception {
        java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }
}
