package io.edgesync.agent.ingest;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class PermissionsTest {
    @Test
    void mapsCommandsToPyftpdlibLetters() {
        assertThat(Permissions.required("stor", "a.jpg")).contains('w');
        assertThat(Permissions.required("STOU", null)).contains('w');
        assertThat(Permissions.required("APPE", "a")).contains('a');
        assertThat(Permissions.required("RETR", "a")).contains('r');
        assertThat(Permissions.required("LIST", null)).contains('l');
        assertThat(Permissions.required("MLSD", null)).contains('l');
        assertThat(Permissions.required("CWD", "x")).contains('e');
        assertThat(Permissions.required("DELE", "x")).contains('d');
        assertThat(Permissions.required("RNTO", "x")).contains('f');
        assertThat(Permissions.required("MKD", "x")).contains('m');
        assertThat(Permissions.required("SITE", "CHMOD 644 x")).contains('M');
        assertThat(Permissions.required("MFMT", "20260101000000 x")).contains('T');
    }

    @Test
    void mdtmReadsUnlessGivenATime() {
        assertThat(Permissions.required("MDTM", "a.jpg")).contains('l');
        assertThat(Permissions.required("MDTM", "20261122101010 a.jpg")).contains('T');
    }

    @Test
    void sessionCommandsNeedNoLetter() {
        for (String cmd : new String[] {"USER", "PASS", "PWD", "TYPE", "PASV", "EPSV", "REST", "QUIT", "FEAT", "NOOP"}) {
            assertThat(Permissions.required(cmd, "x")).as(cmd).isEqualTo(Optional.empty());
        }
        assertThat(Permissions.required("STAT", null)).isEmpty();
        assertThat(Permissions.required("STAT", "/dir")).contains('l');
    }
}
