package io.edgesync.agent.ingest;

import io.edgesync.agent.sync.ftp.TlsResumption;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library internals the agent relies on (docs/architecture.md) are all there, on the versions it is
 * built with and with the JVM options its jar's manifest gives: an upgrade of FtpServer, MINA or the JDK
 * that moves one fails this test, not a guarantee in the field. The start-up checks use the same methods:
 * FtpServer's refuse the start, TLS resumption's is warned about.
 */
class LibraryInternalsTest {

    @Test
    void everyFtpServerAndMinaInternalIsFoundAndTheStartCheckPasses() {
        assertThat(FtpServerInternals.missing()).isEmpty();
        FtpServerInternals.check();
        assertThat(ControlSocket.direct()).as("a device gone mid-upload is asked of its control socket").isTrue();
    }

    @Test
    void ftpsDataConnectionsCanResumeTheControlConnectionsTlsSession() {
        assertThat(TlsResumption.unavailable()).isEmpty();
    }
}
