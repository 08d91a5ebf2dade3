package io.edgesync.agent.config;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PasswordTest {
    @Test
    void aHashMatchesItsPasswordOnly() {
        Password.Pbkdf2 hash = Password.Pbkdf2.create("s3cret".toCharArray(), 20_000, new SecureRandom());
        Password parsed = Password.parse(hash.encoded());
        assertThat(parsed).isEqualTo(hash);
        assertThat(parsed.matches("s3cret")).isTrue();
        assertThat(parsed.matches("s3cret ")).isFalse();
        assertThat(parsed.matches("")).isFalse();
        assertThat(parsed.matches(null)).isFalse();
        assertThat(hash.encoded()).startsWith("pbkdf2-sha256$20000$");
    }

    @Test
    void twoHashesOfOnePasswordDifferBySalt() {
        SecureRandom random = new SecureRandom();
        assertThat(Password.Pbkdf2.create("x".toCharArray(), 20_000, random).encoded())
                .isNotEqualTo(Password.Pbkdf2.create("x".toCharArray(), 20_000, random).encoded());
    }

    @Test
    void decoysNeverMatchAndCostTheSame() {
        Password.Pbkdf2 hash = Password.Pbkdf2.create("pw".toCharArray(), 30_000, new SecureRandom());
        assertThat(hash.decoy()).isInstanceOfSatisfying(Password.Pbkdf2.class,
                d -> assertThat(d.iterations()).isEqualTo(30_000));
        assertThat(hash.decoy().matches("pw")).isFalse();
        assertThat(Password.parse("plain").decoy().matches("plain")).isFalse();
    }

    @Test
    void plainTextIsAcceptedAndNeverShown() {
        Password plain = Password.parse("hunter2");
        assertThat(plain).isInstanceOf(Password.Plain.class);
        assertThat(plain.matches("hunter2")).isTrue();
        assertThat(plain.toString()).doesNotContain("hunter2");
        assertThat(Password.Pbkdf2.create("hunter2".toCharArray(), 20_000, new SecureRandom()).toString())
                .doesNotContain("hunter2").doesNotContain("$");
    }

    @Test
    void aBrokenHashIsRefused() {
        assertThatThrownBy(() -> Password.parse("pbkdf2-sha256$12$abc$def")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Password.parse("pbkdf2-sha256$100000$c2FsdA==$aGFzaA==")).isInstanceOf(IllegalArgumentException.class);
    }
}
