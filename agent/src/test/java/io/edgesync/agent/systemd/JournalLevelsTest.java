package io.edgesync.agent.systemd;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

class JournalLevelsTest {
    @Test
    void everyLineOfARecordCarriesItsPriority() {
        assertThat(JournalLevels.prefixed("boom\n\tat a.B.c(B.java:1)\n", 3)).isEqualTo("<3>boom\n<3>\tat a.B.c(B.java:1)\n");
        assertThat(JournalLevels.prefixed("no newline", 6)).isEqualTo("<6>no newline\n");
        assertThat(JournalLevels.prefixed("", 6)).isEmpty();
    }

    @Test
    void levelsMapToSyslogPriorities() {
        assertThat(JournalLevels.priority(Level.SEVERE)).isEqualTo(3);
        assertThat(JournalLevels.priority(Level.WARNING)).isEqualTo(4);
        assertThat(JournalLevels.priority(Level.INFO)).isEqualTo(6);
        assertThat(JournalLevels.priority(Level.CONFIG)).isEqualTo(7);
        assertThat(JournalLevels.priority(Level.FINE)).isEqualTo(7);
    }

    @Test
    void onlyTheStreamJournalStreamNamesIsTheJournal() throws Exception {
        // this JVM's standard output (a pipe to the test runner) as systemd would name it
        Map<String, Object> stat = Files.readAttributes(Path.of("/proc/self/fd/1"), "unix:dev,ino");
        String self = stat.get("dev") + ":" + stat.get("ino");
        assertThat(JournalLevels.journalIsStandardOutput(Map.of("JOURNAL_STREAM", self))).isTrue();
        assertThat(JournalLevels.journalIsStandardOutput(Map.of("JOURNAL_STREAM", stat.get("dev") + ":1"))).isFalse();
        assertThat(JournalLevels.journalIsStandardOutput(Map.of())).isFalse();
    }
}
