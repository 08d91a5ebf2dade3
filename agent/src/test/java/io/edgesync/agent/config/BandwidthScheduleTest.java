package io.edgesync.agent.config;

import org.junit.jupiter.api.Test;

import java.time.ZoneId;
import java.time.ZonedDateTime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BandwidthScheduleTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final long MBIT2 = 250_000;

    /** 2026-12-07 is a Monday. */
    private static ZonedDateTime at(int day, int hour, int minute) {
        return ZonedDateTime.of(2026, 12, day, hour, minute, 0, 0, BERLIN);
    }

    @Test
    void officeHoursAreLimitedAndTheRestIsFree() {
        BandwidthSchedule s = BandwidthSchedule.parse("sync.bandwidth", "Mon-Fri 08:00-18:00 2Mbit, else off");
        assertThat(s.rateAt(at(7, 7, 59))).isZero();
        assertThat(s.rateAt(at(7, 8, 0))).isEqualTo(MBIT2);
        assertThat(s.rateAt(at(11, 17, 59))).as("Friday").isEqualTo(MBIT2);
        assertThat(s.rateAt(at(11, 18, 0))).isZero();
        assertThat(s.rateAt(at(12, 12, 0))).as("Saturday").isZero();
        assertThat(s.nextChange(at(7, 12, 0))).contains(at(7, 18, 0));
        assertThat(s.nextChange(at(11, 18, 30))).as("Friday evening: Monday morning").contains(at(14, 8, 0));
    }

    @Test
    void aWindowAcrossMidnightEndsTheNextDayAndTheFirstEntryThatMatchesWins() {
        BandwidthSchedule s = BandwidthSchedule.parse("k", "Fri 22:00-06:00 off, 22:00-06:00 1Mbit, else 256KiB");
        assertThat(s.rateAt(at(12, 5, 59))).as("Saturday 05:59, Friday's window").isZero();
        assertThat(s.rateAt(at(12, 6, 0))).isEqualTo(256 * 1024);
        assertThat(s.rateAt(at(8, 23, 0))).as("Tuesday night").isEqualTo(125_000);
        assertThat(s.rateAt(at(9, 3, 0))).as("Wednesday 03:00, Tuesday's window").isEqualTo(125_000);
    }

    @Test
    void ratesAreReadInBitsOrBytes() {
        assertThat(BandwidthSchedule.parseRate("k", "512kbit")).isEqualTo(64_000);
        assertThat(BandwidthSchedule.parseRate("k", "1.5Mbit/s")).isEqualTo(187_500);
        assertThat(BandwidthSchedule.parseRate("k", "2MiB")).isEqualTo(2 << 20);
        assertThat(BandwidthSchedule.parseRate("k", "500kB")).isEqualTo(500_000);
        assertThat(BandwidthSchedule.parseRate("k", "off")).isZero();
        assertThat(BandwidthSchedule.parse("k", "2Mbit").rateAt(at(7, 3, 0))).isEqualTo(MBIT2);
        assertThat(BandwidthSchedule.show(MBIT2)).isEqualTo("2 Mbit/s");
        assertThat(BandwidthSchedule.show(0)).isEqualTo("off");
        assertThatThrownBy(() -> BandwidthSchedule.parseRate("limit", "Mon 2Mbit")).hasMessageContaining("limit")
                .hasMessageNotContaining("schedule");
    }

    @Test
    void everyMistakeNamesTheKeyTheEntryAndWhatIsWrong() {
        assertThatThrownBy(() -> BandwidthSchedule.parse("upstreams.0.bandwidth", "2Mb"))
                .hasMessageContaining("upstreams.0.bandwidth").hasMessageContaining("ambiguous")
                .hasMessageContaining("Mbit for bits");
        assertThatThrownBy(() -> BandwidthSchedule.parse("sync.bandwidth", "Mon-Fry 08:00-18:00 2Mbit, else off"))
                .hasMessageContaining("entry 1").hasMessageContaining("'Fry' is not a day");
        assertThatThrownBy(() -> BandwidthSchedule.parse("sync.bandwidth", "Mon 08:00-25:00 2Mbit"))
                .hasMessageContaining("'25:00' is not a time of day");
        assertThatThrownBy(() -> BandwidthSchedule.parse("sync.bandwidth", "else off, Mon 1Mbit"))
                .hasMessageContaining("nothing may follow 'else'");
        assertThatThrownBy(() -> BandwidthSchedule.parse("sync.bandwidth", "2 apples"))
                .hasMessageContaining("sync.bandwidth");
        assertThatThrownBy(() -> BandwidthSchedule.parse("sync.bandwidth", "1kbit"))
                .hasMessageContaining("below the slowest limit");
        assertThatThrownBy(() -> BandwidthSchedule.parse("sync.bandwidth", "1Mbit, 2Mbit"))
                .hasMessageContaining("write it last as 'else RATE'");
        assertThatThrownBy(() -> BandwidthSchedule.parse("sync.bandwidth", "Mon 08:00-08:00 1Mbit"))
                .hasMessageContaining("is empty");
    }
}
