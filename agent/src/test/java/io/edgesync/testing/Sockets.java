package io.edgesync.testing;

import java.io.IOException;
import java.net.Socket;

/** Closing sockets the way the fault tools need: quietly, or with RST as a lost connection looks. */
final class Sockets {
    private Sockets() {
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed: nothing left to release
        }
    }

    /** Closes with RST (SO_LINGER 0), as a lost connection looks to both ends. */
    static void abort(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed
        }
        closeQuietly(s);
    }
}
