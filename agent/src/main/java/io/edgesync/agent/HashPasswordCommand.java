package io.edgesync.agent;

import io.edgesync.agent.config.Password;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * {@code edgesync-agent hash-password}: asks for a password (twice, without echo, on a terminal; else one
 * line of standard input) and prints its {@code pbkdf2-sha256$...} hash for {@code ftp.users[].password}.
 */
final class HashPasswordCommand {
    private HashPasswordCommand() {
    }

    /** @return the process exit code */
    static int run(Console console, java.io.InputStream in, PrintStream out, PrintStream err) throws IOException {
        char[] password;
        if (console != null) {
            password = console.readPassword("Password: ");
            char[] again = console.readPassword("Again: ");
            if (password == null || again == null || !Arrays.equals(password, again)) {
                err.println("hash-password: the two entries differ; nothing printed");
                return 2;
            }
            Arrays.fill(again, '\0');
        } else {
            String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            password = line == null ? new char[0] : line.toCharArray();
        }
        if (password.length == 0) {
            err.println("hash-password: empty password; nothing printed");
            return 2;
        }
        out.println(Password.Pbkdf2.create(password, Password.DEFAULT_ITERATIONS, new SecureRandom()).encoded());
        Arrays.fill(password, '\0');
        return 0;
    }
}
