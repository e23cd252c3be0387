package io.socktrace.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The socktrace.Sampling settings as a .jfc or jcmd gives them: rates and durations, and what a bad value does. */
class SamplingSettingsTest {

    private static Map<String, String> setting(String name, String value) {
        return Map.of("socktrace.Sampling#" + name, value);
    }

    @Test
    void rate_perSecondPerMinuteOff_andTheDefaultWhenAbsent() {
        assertThat(SamplingSettings.rate(setting("connections", "100/s"), "connections", 7)).isEqualTo(100);
        assertThat(SamplingSettings.rate(setting("connections", " 250 / s "), "connections", 7)).isEqualTo(250);
        assertThat(SamplingSettings.rate(setting("connections", "6000/min"), "connections", 7)).isEqualTo(100);
        assertThat(SamplingSettings.rate(setting("connections", "30/m"), "connections", 7)).isEqualTo(1); // rounded up to 1/s
        assertThat(SamplingSettings.rate(setting("connections", "off"), "connections", 7)).isZero();
        assertThat(SamplingSettings.rate(setting("connections", "0"), "connections", 7)).isZero();
        assertThat(SamplingSettings.rate(Map.of(), "connections", 7)).isEqualTo(7);
    }

    @Test
    void rate_badValue_keepsTheDefault() {
        assertThat(SamplingSettings.rate(setting("abnormal", "lots"), "abnormal", 100)).isEqualTo(100);
        assertThat(SamplingSettings.rate(setting("abnormal", "-5/s"), "abnormal", 100)).isEqualTo(100);
        assertThat(SamplingSettings.rate(setting("abnormal", "5/fortnight"), "abnormal", 100)).isEqualTo(100);
    }

    @Test
    void duration_asInAJfc() {
        assertThat(SamplingSettings.duration(setting("slowConnect", "1 ms"), "slowConnect", 9)).isEqualTo(1_000_000);
        assertThat(SamplingSettings.duration(setting("slowConnect", "250 us"), "slowConnect", 9)).isEqualTo(250_000);
        assertThat(SamplingSettings.duration(setting("slowConnect", "2 s"), "slowConnect", 9)).isEqualTo(2_000_000_000L);
        assertThat(SamplingSettings.duration(setting("slowConnect", "0 ns"), "slowConnect", 9)).isZero();
        assertThat(SamplingSettings.duration(setting("slowConnect", "0"), "slowConnect", 9)).isZero();
        assertThat(SamplingSettings.duration(setting("slowConnect", "soon"), "slowConnect", 9)).isEqualTo(9);
        assertThat(SamplingSettings.duration(Map.of(), "slowConnect", 9)).isEqualTo(9);
    }
}
