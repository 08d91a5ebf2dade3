package io.edgesync.agent.ingest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A raw control connection to a local FTP server, past its greeting: bytes out, reply lines in. */
final class RawClient implements AutoCloseable {
    final Socket socket;
    final BufferedReader in;
    final OutputStream out;

    RawClient(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
        assertThat(in.readLine()).startsWith("220");
    }

    /** Sends raw bytes; returns the last line of the reply, "(no answer)" after 10 s, or null when the server hung up. */
    String send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        try {
            return reply();
        } catch (SocketTimeoutException e) {
            return "(no answer)";
        } catch (IOException e) {
            return null;
        }
    }

    String send(String line) throws IOException {
        return send((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The next reply's last line (the one with the code and a space), or null at the end of the stream. */
    String reply() throws IOException {
        List<String> lines = replyLines();
        return lines.isEmpty() ? null : lines.getLast();
    }

    /** Every line of the next reply: one, or from {@code ddd-} to the line that starts with {@code ddd }. */
    List<String> replyLines() throws IOException {
        List<String> lines = new ArrayList<>();
        String first = in.readLine();
        if (first == null) {
            return lines;
        }
        lines.add(first);
        if (first.length() > 3 && first.charAt(3) == '-') {
            String end = first.substring(0, 3) + " ";
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lines.add(line);
                if (line.startsWith(end)) {
                    break;
                }
            }
        }
        return lines;
    }

    /** USER and PASS, each answered as expected. */
    void login(String user, String password) throws IOException {
        assertThat(send("USER " + user)).startsWith("331");
        assertThat(send("PASS " + password)).startsWith("230");
    }

    /** PASV, and the data port its reply names. */
    int passive() throws IOException {
        String pasv = send("PASV");
        assertThat(pasv).startsWith("227");
        String[] nums = pasv.substring(pasv.indexOf('(') + 1, pasv.indexOf(')')).split(",");
        return Integer.parseInt(nums[4].trim()) * 256 + Integer.parseInt(nums[5].trim());
    }

    /** PASV, the data connection, and {@code STOR name} answered 150: the caller sends the bytes and closes. */
    Socket startUpload(String name) throws IOException {
        Socket data = new Socket(InetAddress.getLoopbackAddress(), passive());
        try {
            assertThat(send("STOR " + name)).startsWith("150");
            return data;
        } catch (IOException | RuntimeException | Error e) {
            data.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
